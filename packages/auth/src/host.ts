// Host-only parts of @fabstir/auth: import from `@fabstir/auth/host`. They issue and verify session
// tokens (jose), recover the wallet that signed a challenge (viem), guard against replays and
// enforce permissions; a browser client never loads them.
export {
  type RecoverChallengeSignerErrorType,
  type RecoverChallengeSignerOptions,
  recoverChallengeSigner,
} from './challenge/recoverChallengeSigner.js'
export { AuthError, type AuthErrorCode, type AuthErrorOptions } from './errors/AuthError.js'
export type { Ed25519KeyInput } from './jwt/hostKeys.js'
export {
  type IssueSessionTokenErrorType,
  type IssueSessionTokenOptions,
  type IssueSessionTokenReturnType,
  issueSessionToken,
} from './jwt/issueSessionToken.js'
export {
  maxSessionTokenTtlSeconds,
  type SessionPublicJwk,
  type SessionTokenClaims,
  sessionTokenAudience,
} from './jwt/SessionTokenClaims.js'
export { type ValidateTokenOptions, validateToken } from './jwt/validateToken.js'
export {
  getSessionPublicKey,
  maxTokenBytes,
  type VerifyTokenErrorType,
  type VerifyTokenOptions,
  verifyToken,
} from './jwt/verifyToken.js'
export { PermissionUsage, type PermissionUsageSnapshot } from './permissions/PermissionUsage.js'
export {
  getRequiredPermission,
  type Operation,
  type RequirePermissionErrorType,
  type RequirePermissionOptions,
  requirePermission,
} from './permissions/requirePermission.js'
export {
  type ReplayCheckable,
  ReplayGuard,
  type ReplayGuardErrorType,
  type ReplayGuardOptions,
} from './ReplayGuard.js'
