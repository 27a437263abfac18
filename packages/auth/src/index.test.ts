import { expect, test } from 'vitest'
import * as auth from './index.js'
import * as node from './node.js'

test('public surface', () => {
  expect(Object.keys(auth).sort()).toMatchInlineSnapshot(`
    [
      "AuthError",
      "AuthRequestError",
      "IndexedDBKeyStore",
      "KeyStoreError",
      "MemoryKeyStore",
      "PermissionUsage",
      "ReplayGuard",
      "SessionKey",
      "authenticateSession",
      "createChallengeMessage",
      "generateSessionKey",
      "getEd25519",
      "getPublicKey",
      "getRequiredPermission",
      "getSessionPublicKey",
      "isNativeEd25519Supported",
      "isPermission",
      "issueSessionToken",
      "maxSessionTokenTtlSeconds",
      "maxStoredKeyBytes",
      "maxTokenBytes",
      "nativeEd25519",
      "nobleEd25519",
      "permissions",
      "recoverChallengeSigner",
      "refreshToken",
      "requirePermission",
      "sessionTokenAudience",
      "signMessage",
      "validateToken",
      "verifyMessage",
      "verifyToken",
    ]
  `)
})

test('public surface of @fabstir/auth/node', () => {
  expect(Object.keys(node).sort()).toMatchInlineSnapshot(`
    [
      "FileKeyStore",
    ]
  `)
})
