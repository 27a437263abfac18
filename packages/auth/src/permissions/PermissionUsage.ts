import type { Permission } from '@fabstir/protocol'
import { assertPermissions } from './permissions.js'

/** How many times each permission was used. */
export type PermissionUsageSnapshot = Readonly<Record<Permission, number>>

/**
 * Counts how often each permission was exercised, e.g. per session for metrics or billing
 * checks. `requirePermission(claims, operation, { usage })` records into it.
 *
 * @example
 * ```ts
 * import { PermissionUsage } from '@fabstir/auth/host'
 *
 * const usage = new PermissionUsage()
 * usage.record('inference')
 * usage.snapshot() // { inference: 1, resume: 0, export: 0, admin: 0 }
 * ```
 */
export class PermissionUsage {
  readonly #counts: Record<Permission, number> = { inference: 0, resume: 0, export: 0, admin: 0 }

  /**
   * Counts one use.
   *
   * @param permission - the permission used.
   * @param count - how many uses. @default 1
   * @throws {TypeError} for an unknown permission or a count that is not a positive integer.
   */
  record(permission: Permission, count = 1): void {
    assertPermissions([permission])
    if (!Number.isSafeInteger(count) || count < 1) {
      throw new TypeError('count must be a positive integer')
    }
    this.#counts[permission] += count
  }

  /** @returns a copy of the counts; later records do not change it. */
  snapshot(): PermissionUsageSnapshot {
    return { ...this.#counts }
  }

  /** Sets every count back to 0. */
  reset(): void {
    for (const permission of Object.keys(this.#counts) as Permission[]) {
      this.#counts[permission] = 0
    }
  }
}
