import type { Hex } from '@fabstir/protocol'
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js'
import { base64urlnopad } from '@scure/base'

/**
 * @internal Bytes from `0x`-prefixed hex of an exact length (either case).
 * @returns the bytes, or `undefined` when `value` is not such hex.
 */
export function bytesFromHex(value: unknown, length: number): Uint8Array | undefined {
  if (typeof value !== 'string' || value.length !== 2 + 2 * length) return undefined
  if (!/^0x[0-9a-fA-F]*$/.test(value)) return undefined
  return hexToBytes(value.slice(2))
}

/** @internal Lowercase `0x`-prefixed hex of bytes. */
export function hexFromBytes(bytes: Uint8Array): Hex {
  return `0x${bytesToHex(bytes)}`
}

/**
 * @internal Strict base64url without padding: no `=`, no white space, no non-zero trailing bits,
 * so every byte string has exactly one encoding (a signature cannot be re-spelled).
 * @returns the bytes, or `undefined` when `value` is not canonical unpadded base64url.
 */
export function bytesFromBase64url(value: unknown): Uint8Array | undefined {
  if (typeof value !== 'string') return undefined
  try {
    return base64urlnopad.decode(value)
  } catch {
    return undefined
  }
}

/** @internal Base64url without padding. */
export function base64urlFromBytes(bytes: Uint8Array): string {
  return base64urlnopad.encode(bytes)
}

/** @internal A copy backed by a plain `ArrayBuffer`, as WebCrypto's types ask. */
export function toArrayBufferBytes(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return new Uint8Array(bytes)
}
