import * as ed from '@noble/ed25519'
import { sha512 } from '@noble/hashes/sha2.js'
import { assertPrivateKey, type Ed25519, verifyArgumentsOk } from './Ed25519.js'

/**
 * @noble/ed25519 v3 needs a synchronous SHA-512 for its synchronous API. It is set on first use,
 * not at import (no side effects at import), and only if the application has not set one.
 */
function ready(): void {
  ed.hashes.sha512 ??= sha512
}

/**
 * The portable Ed25519: `@noble/ed25519` with SHA-512 from `@noble/hashes`. Runs wherever
 * JavaScript does, also without WebCrypto (e.g. a page served over plain `http`). Verification
 * uses RFC 8032 rules (`zip215: false`), so it agrees with the platform's implementation.
 *
 * @example
 * ```ts
 * import { nobleEd25519 } from '@fabstir/auth'
 *
 * const publicKey = await nobleEd25519.getPublicKey(privateKey)
 * ```
 */
export const nobleEd25519: Ed25519 = {
  name: 'noble',
  async getPublicKey(privateKey) {
    assertPrivateKey(privateKey)
    ready()
    return ed.getPublicKey(privateKey)
  },
  async sign(message, privateKey) {
    assertPrivateKey(privateKey)
    if (!(message instanceof Uint8Array)) throw new TypeError('The message must be bytes')
    ready()
    return ed.sign(message, privateKey)
  },
  async verify(signature, message, publicKey) {
    if (!verifyArgumentsOk(signature, message, publicKey)) return false
    ready()
    try {
      return ed.verify(signature, message, publicKey, { zip215: false })
    } catch {
      return false
    }
  },
}
