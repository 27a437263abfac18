import type { Hex } from '@fabstir/protocol'
import { type Ed25519Options, getEd25519 } from './ed25519/getEd25519.js'
import { hexFromBytes } from './internal/encoding.js'

/** Options of {@link getPublicKey}. */
export type GetPublicKeyOptions = Ed25519Options

/** What {@link getPublicKey} throws: a private key that is not 32 bytes. */
export type GetPublicKeyErrorType = TypeError

/**
 * The Ed25519 public key of a private key.
 *
 * @param privateKey - the 32-byte private key (RFC 8032 seed).
 * @param options - which Ed25519 implementation. @default { ed25519: 'auto' }
 * @returns the public key as lowercase `0x` hex (32 bytes).
 * @throws {TypeError} when `privateKey` is not 32 bytes.
 * @example
 * ```ts
 * import { getPublicKey } from '@fabstir/auth'
 *
 * const hostPublicKey = await getPublicKey(hostPrivateKey) // '0x…'
 * ```
 */
export async function getPublicKey(
  privateKey: Uint8Array,
  options: GetPublicKeyOptions = {},
): Promise<Hex> {
  const ed25519 = await getEd25519(options.ed25519)
  return hexFromBytes(await ed25519.getPublicKey(privateKey))
}
