import type { Permission } from '@fabstir/protocol'

/** Every permission a session token can carry (PROTOCOL.md §3), in the spec's order. */
export const permissions: readonly Permission[] = ['inference', 'resume', 'export', 'admin']

/**
 * Whether a value is one of the four permissions.
 *
 * @param value - anything, e.g. an entry of a token's `permissions`.
 * @returns whether it is a {@link Permission}.
 * @example
 * ```ts
 * import { isPermission } from '@fabstir/auth'
 *
 * isPermission('inference') // true
 * isPermission('root') // false
 * ```
 */
export function isPermission(value: unknown): value is Permission {
  return typeof value === 'string' && (permissions as readonly string[]).includes(value)
}

/** @internal Checks a list of permissions. */
export function assertPermissions(value: unknown): asserts value is readonly Permission[] {
  if (!Array.isArray(value) || !value.every(isPermission)) {
    throw new TypeError(`permissions must be an array of ${permissions.join(', ')}`)
  }
}
