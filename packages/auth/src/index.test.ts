import { readFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { expect, test } from 'vitest'
import * as host from './host.js'
import * as auth from './index.js'
import * as node from './node.js'

test('public surface', () => {
  expect(Object.keys(auth).sort()).toMatchInlineSnapshot(`
    [
      "AuthRequestError",
      "IndexedDBKeyStore",
      "KeyStoreError",
      "MemoryKeyStore",
      "SessionKey",
      "authenticateSession",
      "createChallengeMessage",
      "generateSessionKey",
      "getEd25519",
      "getPublicKey",
      "isNativeEd25519Supported",
      "isPermission",
      "maxStoredKeyBytes",
      "nativeEd25519",
      "nobleEd25519",
      "permissions",
      "refreshToken",
      "signMessage",
      "verifyMessage",
    ]
  `)
})

test('public surface of @fabstir/auth/host', () => {
  expect(Object.keys(host).sort()).toMatchInlineSnapshot(`
    [
      "AuthError",
      "PermissionUsage",
      "ReplayGuard",
      "getRequiredPermission",
      "getSessionPublicKey",
      "issueSessionToken",
      "maxSessionTokenTtlSeconds",
      "maxTokenBytes",
      "recoverChallengeSigner",
      "requirePermission",
      "sessionTokenAudience",
      "validateToken",
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

test('the main entry loads neither host-only dependencies nor Node built-ins', () => {
  const packages = importedPackages(resolve(dirname(fileURLToPath(import.meta.url)), 'index.ts'))
  expect([...packages].sort()).toMatchInlineSnapshot(`
    [
      "@fabstir/protocol",
      "@noble/ed25519",
      "@noble/hashes/sha2.js",
      "@noble/hashes/utils.js",
      "@scure/base",
    ]
  `)
})

// `import … from '…'` and `export … from '…'` statements (not examples in comments): the clause is
// `* as name`, `{ … }` (over several lines too), `name` or `name, { … }`, after an optional `type`.
const importPattern =
  /^(?:import|export)(?:\s+type)?\s+(?:\*(?:\s+as\s+\w+)?|\{[^}]*\}|\w+(?:\s*,\s*\{[^}]*\})?)\s+from\s+'([^']+)'/gm

// The packages a source file reaches through its relative imports (type-only imports included:
// they are erased, so the list can only be longer than what the bundle loads).
function importedPackages(entry: string): Set<string> {
  const packages = new Set<string>()
  const seen = new Set<string>()
  const pending = [entry]
  for (let file = pending.pop(); file !== undefined; file = pending.pop()) {
    if (seen.has(file)) continue
    seen.add(file)
    const source = readFileSync(file, 'utf8')
    for (const [, specifier] of source.matchAll(importPattern)) {
      if (specifier === undefined) continue
      if (specifier.startsWith('.')) {
        pending.push(resolve(dirname(file), specifier.replace(/\.js$/, '.ts')))
      } else {
        packages.add(specifier)
      }
    }
  }
  return packages
}
