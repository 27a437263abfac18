import type { Address, Hex } from 'viem'
import type { ParseNodeMetadataReturnType } from './metadata/parseNodeMetadata.js'

/**
 * A registered host as the NodeRegistry describes it, with its metadata parsed defensively
 * (`metadataValid`, `metadata`, and `reason` when invalid: see {@link parseNodeMetadata}).
 * `apiUrl` and `rawMetadata` are what the host published: untrusted text, bounded only by the
 * chain's gas limit.
 *
 * @example
 * ```ts
 * import type { HostInfo } from '@fabstir/discovery-registry'
 *
 * const usable = (host: HostInfo) => host.active && host.metadataValid
 * ```
 */
export type HostInfo = {
  /** The host's operator address (checksummed). */
  address: Address
  /** The host's HTTP base URL, as published (not validated here). */
  apiUrl: string
  /** FAB staked, in base units (18 decimals). */
  stake: bigint
  /** Whether the registry counts the host as active. */
  active: boolean
  /** Ids of the models the host says it serves, in its order. */
  models: readonly Hex[]
  /** Its default minimum price per token in the native token (× `PRICE_PRECISION`). */
  minPricePerTokenNative: bigint
  /** Its default minimum price per token in stable tokens (× `PRICE_PRECISION`). */
  minPricePerTokenStable: bigint
  /** Normalised capabilities from the (valid part of the) metadata; see `getCapabilities`. */
  capabilities: readonly string[]
  /** The metadata string exactly as stored on chain. */
  rawMetadata: string
} & ParseNodeMetadataReturnType
