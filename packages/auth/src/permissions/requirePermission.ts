import type { ClientMessageType, Permission } from '@fabstir/protocol'
import { AuthError } from '../errors/AuthError.js'
import type { PermissionUsage } from './PermissionUsage.js'

/**
 * What a client asks to do: a client message `type`, `'export'` (exporting a conversation), or an
 * administrative operation, `'admin'` or any `'admin:<name>'`.
 */
export type Operation = ClientMessageType | 'export' | 'admin' | `admin:${string}`

const operationPermissions: Readonly<Record<string, Permission | null>> = {
  prompt: 'inference',
  session_resume: 'resume',
  export: 'export',
  admin: 'admin',
  // A valid token is enough for these; `session_init` starts an empty conversation.
  session_init: null,
  cancel: null,
  session_end: null,
  ping: null,
}

/**
 * The permission an operation needs (PROTOCOL.md §3.5): `prompt` → `inference`,
 * `session_resume` → `resume`, `export` → `export`, `admin` and `admin:*` → `admin`;
 * `session_init`, `cancel`, `session_end` and `ping` need none (`null`). An operation this
 * package does not know needs `admin`, so a new operation fails closed until it is mapped.
 *
 * @param operation - the operation.
 * @returns the permission it needs, or `null`.
 * @example
 * ```ts
 * import { getRequiredPermission } from '@fabstir/auth/host'
 *
 * getRequiredPermission('prompt') // 'inference'
 * ```
 */
export function getRequiredPermission(operation: Operation): Permission | null {
  if (Object.hasOwn(operationPermissions, operation)) {
    return operationPermissions[operation] ?? null
  }
  return 'admin'
}

/** Options of {@link requirePermission}. */
export type RequirePermissionOptions = {
  /** Counts each granted permission in this counter. */
  usage?: PermissionUsage
  /** Session of the operation, copied into the error. */
  sessionId?: string
}

/** What {@link requirePermission} throws. */
export type RequirePermissionErrorType = AuthError

/**
 * Checks that a verified token allows an operation, and counts the use.
 *
 * @param claims - the token's claims (from `verifyToken`), or anything with `permissions`.
 * @param operation - what the client asks to do.
 * @param options - a usage counter and the session id.
 * @returns the permission used, or `null` when the operation needs none.
 * @throws {AuthError} `PERMISSION_DENIED` when the token lacks the permission.
 * @example
 * ```ts
 * import { requirePermission, verifyToken } from '@fabstir/auth/host'
 *
 * const claims = await verifyToken(token, { hostPublicKey })
 * requirePermission(claims, message.type) // throws PERMISSION_DENIED for session_resume without `resume`
 * ```
 */
export function requirePermission(
  claims: { readonly permissions: readonly Permission[] },
  operation: Operation,
  { usage, sessionId }: RequirePermissionOptions = {},
): Permission | null {
  const permission = getRequiredPermission(operation)
  if (permission === null) return null
  if (!Array.isArray(claims?.permissions) || !claims.permissions.includes(permission)) {
    throw new AuthError('PERMISSION_DENIED', `The session token does not allow ${operation}`, {
      details: `the ${permission} permission is needed`,
      ...(sessionId === undefined ? {} : { sessionId }),
    })
  }
  usage?.record(permission)
  return permission
}
