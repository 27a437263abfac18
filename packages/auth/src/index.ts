export {
  type AuthenticateSessionErrorType,
  type AuthenticateSessionOptions,
  type AuthenticateSessionReturnType,
  authenticateSession,
  type ChallengeSigner,
} from './authenticateSession.js'
export {
  type CreateChallengeMessageErrorType,
  type CreateChallengeMessageOptions,
  createChallengeMessage,
} from './challenge/createChallengeMessage.js'
export {
  type RecoverChallengeSignerErrorType,
  type RecoverChallengeSignerOptions,
  recoverChallengeSigner,
} from './challenge/recoverChallengeSigner.js'
export type { Ed25519, Ed25519ImplementationName } from './ed25519/Ed25519.js'
export {
  type Ed25519Choice,
  type Ed25519Options,
  type GetEd25519ErrorType,
  getEd25519,
} from './ed25519/getEd25519.js'
export { isNativeEd25519Supported, nativeEd25519 } from './ed25519/nativeEd25519.js'
export { nobleEd25519 } from './ed25519/nobleEd25519.js'
export { AuthError, type AuthErrorCode, type AuthErrorOptions } from './errors/AuthError.js'
export {
  AuthRequestError,
  type AuthRequestErrorCode,
  type AuthRequestErrorOptions,
} from './errors/AuthRequestError.js'
export { KeyStoreError, type KeyStoreErrorCode } from './errors/KeyStoreError.js'
export {
  type GenerateSessionKeyOptions,
  type GenerateSessionKeyReturnType,
  generateSessionKey,
} from './generateSessionKey.js'
export {
  type GetPublicKeyErrorType,
  type GetPublicKeyOptions,
  getPublicKey,
} from './getPublicKey.js'
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
export {
  IndexedDBKeyStore,
  type IndexedDBKeyStoreOptions,
} from './keystore/IndexedDBKeyStore.js'
export { type KeyStore, type KeyStoreCallOptions, maxStoredKeyBytes } from './keystore/KeyStore.js'
export { MemoryKeyStore } from './keystore/MemoryKeyStore.js'
export { PermissionUsage, type PermissionUsageSnapshot } from './permissions/PermissionUsage.js'
export { isPermission, permissions } from './permissions/permissions.js'
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
export {
  type RefreshTokenErrorType,
  type RefreshTokenOptions,
  type RefreshTokenReturnType,
  refreshToken,
} from './refreshToken.js'
export { SessionKey } from './SessionKey.js'
export {
  type SignMessageErrorType,
  type SignMessageOptions,
  type SignMessageReturnType,
  signMessage,
} from './signMessage.js'
export { type VerifyMessageOptions, verifyMessage } from './verifyMessage.js'
