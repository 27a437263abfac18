import type { Address, Hex } from '@fabstir/protocol'
import { keccak_256 } from '@noble/hashes/sha3.js'
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js'

/**
 * The address a host uses when it is given none: the last 20 bytes of keccak256 of its Ed25519
 * public key. It is stable for one identity key and differs between keys, so tokens of two
 * development hosts never pass for each other, but no wallet holds it: it is not registered on any
 * chain. A host that serves real jobs must be given its on-chain address (`hostAddress`).
 *
 * @param publicKeyHex - the host's Ed25519 public key, `0x` and 64 hex digits.
 * @returns a lowercase address.
 * @example
 * ```ts
 * import { createHostIdentity, developmentHostAddress } from '@fabstir/host'
 *
 * developmentHostAddress(createHostIdentity().publicKeyHex) // '0x…' (40 hex digits)
 * ```
 */
export function developmentHostAddress(publicKeyHex: Hex): Address {
  const hash = keccak_256(hexToBytes(publicKeyHex.slice(2)))
  return `0x${bytesToHex(hash.subarray(-20))}`
}
