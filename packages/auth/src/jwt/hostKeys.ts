import type { Hex } from '@fabstir/protocol'
import {
  importNativePrivateKey,
  importNativePublicKey,
  isNativeEd25519Supported,
  unsupported,
} from '../ed25519/nativeEd25519.js'
import { bytesFromHex } from '../internal/encoding.js'
import { isStrongPoint } from './assertSessionPublicKey.js'

/**
 * A host's Ed25519 key as this package takes it: the raw 32 bytes, or those bytes as `0x` hex
 * (64 hex digits, either case). For a private key that is the RFC 8032 seed, for a public key the
 * encoded point (what `/v1/version` publishes as `ed25519_public_key`).
 */
export type Ed25519KeyInput = Hex | Uint8Array

/** @internal The 32 bytes of a key input, or a `TypeError` naming the field. */
export function keyBytes(key: unknown, field: string): Uint8Array {
  const bytes = key instanceof Uint8Array ? key : bytesFromHex(key, 32)
  if (bytes?.length !== 32) {
    throw new TypeError(`${field} must be a 32-byte Ed25519 key: 0x and 64 hex digits, or bytes`)
  }
  return bytes
}

/** @internal The host's private key as a non-extractable WebCrypto key, for jose. */
export async function hostSigningKey(key: Ed25519KeyInput): Promise<CryptoKey> {
  const bytes = keyBytes(key, 'hostPrivateKey')
  if (!(await isNativeEd25519Supported())) throw unsupported()
  const seed = new Uint8Array(bytes)
  try {
    return await importNativePrivateKey(seed)
  } finally {
    seed.fill(0)
  }
}

/** @internal The host's public key as a WebCrypto key, for jose. */
export async function hostVerifyingKey(key: Ed25519KeyInput): Promise<CryptoKey> {
  const bytes = keyBytes(key, 'hostPublicKey')
  if (!isStrongPoint(bytes)) throw new TypeError('hostPublicKey is not a valid Ed25519 public key')
  if (!(await isNativeEd25519Supported())) throw unsupported()
  return importNativePublicKey(bytes)
}
