import type { Hex } from '@fabstir/protocol'
import { keccak_256 } from '@noble/hashes/sha3.js'
import { bytesToHex } from '@noble/hashes/utils.js'

/**
 * The on-chain id of a model: keccak256 of its UTF-8 name (`"repo/file"`), as the ModelRegistry
 * contract computes it.
 *
 * @param name - the model's name.
 * @returns the bytes32 id as 0x-prefixed hex.
 * @example
 * ```ts
 * import { modelId } from '@fabstir/host'
 *
 * modelId('example/model.gguf') // '0x…' (64 hex digits)
 * ```
 */
export function modelId(name: string): Hex {
  return `0x${bytesToHex(keccak_256(new TextEncoder().encode(name)))}`
}
