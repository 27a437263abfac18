import { FabstirError } from '@fabstir/protocol'
import { base64urlnopad } from '@scure/base'
import { toArrayBufferBytes } from '../internal/encoding.js'
import { assertPrivateKey, type Ed25519, verifyArgumentsOk } from './Ed25519.js'

/** PKCS #8 (RFC 8410) prefix of an Ed25519 private key; the 32-byte seed follows. */
const pkcs8Prefix = Uint8Array.from([
  0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
])

/** RFC 8032 §7.1 TEST 1's public key: a known-good key to probe support with. */
const probePublicKey = Uint8Array.from([
  0xd7, 0x5a, 0x98, 0x01, 0x82, 0xb1, 0x0a, 0xb7, 0xd5, 0x4b, 0xfe, 0xd3, 0xc9, 0x64, 0x07, 0x3a,
  0x0e, 0xe1, 0x72, 0xf3, 0xda, 0xa6, 0x23, 0x25, 0xaf, 0x02, 0x1a, 0x68, 0xf7, 0x07, 0x51, 0x1a,
])

const algorithm = { name: 'Ed25519' } as const

/** @internal The error for a runtime without WebCrypto Ed25519. */
export function unsupported(): FabstirError<'UNAVAILABLE'> {
  return new FabstirError('UNAVAILABLE', 'This runtime has no WebCrypto Ed25519', {
    details: "choose the portable implementation with { ed25519: 'noble' }",
  })
}

function subtle(): SubtleCrypto {
  const value = globalThis.crypto?.subtle
  if (!value) throw unsupported()
  return value
}

/** @internal Imports a 32-byte Ed25519 seed as a WebCrypto private key. */
export async function importNativePrivateKey(
  privateKey: Uint8Array,
  extractable = false,
): Promise<CryptoKey> {
  assertPrivateKey(privateKey)
  const pkcs8 = new Uint8Array(48)
  pkcs8.set(pkcs8Prefix)
  pkcs8.set(privateKey, 16)
  try {
    return await subtle().importKey('pkcs8', pkcs8, algorithm, extractable, ['sign'])
  } finally {
    pkcs8.fill(0)
  }
}

/** @internal Imports a 32-byte Ed25519 public key as a WebCrypto key. */
export async function importNativePublicKey(publicKey: Uint8Array): Promise<CryptoKey> {
  return await subtle().importKey('raw', toArrayBufferBytes(publicKey), algorithm, true, ['verify'])
}

/**
 * The platform's Ed25519 through WebCrypto (`crypto.subtle` with `Ed25519`): Node ≥ 20.19 (where
 * `globalThis.crypto` is always there), Deno, Bun, and current browsers in secure contexts
 * (Chrome 137+, Firefox 129+, Safari 17+). Check with {@link isNativeEd25519Supported} first.
 *
 * @example
 * ```ts
 * import { isNativeEd25519Supported, nativeEd25519 } from '@fabstir/auth'
 *
 * if (await isNativeEd25519Supported()) await nativeEd25519.sign(message, privateKey)
 * ```
 */
export const nativeEd25519: Ed25519 = {
  name: 'native',
  async getPublicKey(privateKey) {
    const key = await importNativePrivateKey(privateKey, true)
    const jwk = await subtle().exportKey('jwk', key)
    return base64urlnopad.decode(jwk.x ?? '')
  },
  async sign(message, privateKey) {
    if (!(message instanceof Uint8Array)) throw new TypeError('The message must be bytes')
    const key = await importNativePrivateKey(privateKey)
    return new Uint8Array(await subtle().sign(algorithm, key, toArrayBufferBytes(message)))
  },
  async verify(signature, message, publicKey) {
    if (!verifyArgumentsOk(signature, message, publicKey)) return false
    try {
      const key = await importNativePublicKey(publicKey)
      return await subtle().verify(
        algorithm,
        key,
        toArrayBufferBytes(signature),
        toArrayBufferBytes(message),
      )
    } catch {
      return false
    }
  },
}

let support: Promise<boolean> | undefined

/**
 * Whether this runtime has WebCrypto Ed25519. Probed once (by importing a public key) and cached.
 *
 * @returns `true` when {@link nativeEd25519} works here.
 * @example
 * ```ts
 * import { isNativeEd25519Supported } from '@fabstir/auth'
 *
 * console.log(await isNativeEd25519Supported()) // true on Node ≥ 20.19
 * ```
 */
export function isNativeEd25519Supported(): Promise<boolean> {
  support ??= importNativePublicKey(probePublicKey).then(
    () => true,
    () => false,
  )
  return support
}
