import { Point } from '@noble/ed25519'
import { base64urlFromBytes, bytesFromHex } from '../internal/encoding.js'
import type { SessionPublicJwk } from './SessionTokenClaims.js'

/**
 * @internal Checks a session public key: 32 bytes of `0x` hex that decode to a curve point of
 * large order (RFC 8032 decoding). A small-order key is refused: signatures under it can be forged
 * without any private key.
 * @returns the key as an OKP JWK.
 * @throws {TypeError} otherwise.
 */
export function assertSessionPublicKey(publicKey: unknown): SessionPublicJwk {
  const bytes = bytesFromHex(publicKey, 32)
  if (bytes === undefined) {
    throw new TypeError('sessionPublicKey must be 0x and 64 hex digits (an Ed25519 public key)')
  }
  if (!isStrongPoint(bytes)) {
    throw new TypeError('sessionPublicKey is not a usable Ed25519 public key')
  }
  return { kty: 'OKP', crv: 'Ed25519', x: base64urlFromBytes(bytes) }
}

/** @internal Whether 32 bytes decode to a point of large order. */
export function isStrongPoint(bytes: Uint8Array): boolean {
  try {
    return !Point.fromBytes(bytes, false).isSmallOrder()
  } catch {
    return false
  }
}
