import type { Hex } from 'viem'

/**
 * A host's registry metadata (CHAIN.md, "NodeRegistry"): the JSON string a host publishes with
 * `registerNode` / `updateMetadata`, as {@link parseNodeMetadata} returns it after validation.
 * Hex keys come back lowercase with a `0x` prefix, whatever case and prefix the host used.
 *
 * @example
 * ```ts
 * import type { NodeMetadata } from '@fabstir/discovery-registry'
 *
 * const metadata: NodeMetadata = {
 *   name: 'gpu-host-1',
 *   region: 'eu-west',
 *   hardware: { gpu: 'RTX 4090', vramGb: 24 },
 *   capabilities: ['inference', 'streaming'],
 *   maxConcurrent: 8,
 *   ed25519PublicKey: `0x${'ab'.repeat(32)}`,
 * }
 * ```
 */
export type NodeMetadata = {
  /** A display name, 1–128 characters. */
  name?: string
  /** Where the host runs (free text such as `eu-west`), 1–64 characters. */
  region?: string
  /** The host's accelerator. */
  hardware?: {
    /** GPU model, 1–128 characters. */
    gpu: string
    /** GPU memory in GB, 0–1,000,000. */
    vramGb: number
  }
  /** What the host offers, as published; {@link getCapabilities} normalises them. At most 64. */
  capabilities?: string[]
  /** How many sessions the host serves at once, a whole number from 1 to 1,000,000. */
  maxConcurrent?: number
  /** The host's identity key (signs its JWTs and messages): 32 bytes as `0x` hex. */
  ed25519PublicKey: Hex
  /** A compressed secp256k1 public key (33 bytes, `0x02…`/`0x03…`), for encryption to the host. */
  secp256k1PublicKey?: Hex
  /** How to reach the host over libp2p. */
  p2p?: {
    /** The libp2p peer id (base58btc or base32 text, 16–128 characters). */
    peerId: string
    /** Its multiaddrs (each starting with `/`, at most 256 characters), at most 16. */
    multiaddrs: string[]
  }
}
