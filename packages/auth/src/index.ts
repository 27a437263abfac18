// The client side of @fabstir/auth (browsers and Node). Host-only code is in `@fabstir/auth/host`
// (token issuing and verification, challenge signer recovery, replay guard, permission checks),
// Node-only key storage in `@fabstir/auth/node`.
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
export type { Ed25519, Ed25519ImplementationName } from './ed25519/Ed25519.js'
export {
  type Ed25519Choice,
  type Ed25519Options,
  type GetEd25519ErrorType,
  getEd25519,
} from './ed25519/getEd25519.js'
export { isNativeEd25519Supported, nativeEd25519 } from './ed25519/nativeEd25519.js'
export { nobleEd25519 } from './ed25519/nobleEd25519.js'
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
export {
  IndexedDBKeyStore,
  type IndexedDBKeyStoreOptions,
} from './keystore/IndexedDBKeyStore.js'
export { type KeyStore, type KeyStoreCallOptions, maxStoredKeyBytes } from './keystore/KeyStore.js'
export { MemoryKeyStore } from './keystore/MemoryKeyStore.js'
export { isPermission, permissions } from './permissions/permissions.js'
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
