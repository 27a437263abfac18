import type { Address, Hex } from 'viem'
import type { HostInfo } from './HostInfo.js'

/**
 * Which NodeRegistry event a {@link NodeChange} reports: `NodeRegistered`, `NodeUnregistered`,
 * `MetadataUpdated`, `ApiUrlUpdated`, `ModelsUpdated`, `ModelTokenPricingUpdated`, `StakeAdded`.
 */
export type NodeChangeType =
  | 'node-registered'
  | 'node-unregistered'
  | 'metadata-updated'
  | 'api-url-updated'
  | 'models-updated'
  | 'pricing-updated'
  | 'stake-added'

/**
 * One NodeRegistry event seen by `NodeRegistryClient.watch`, with the host as it is after it.
 *
 * @example
 * ```ts
 * import type { NodeChange } from '@fabstir/discovery-registry'
 *
 * const describe = (change: NodeChange) =>
 *   `${change.type} ${change.address}: ${change.node ? change.node.apiUrl : 'gone'}`
 * ```
 */
export type NodeChange = {
  type: NodeChangeType
  /** The host the event is about. */
  address: Address
  /**
   * The host read from the registry after the event (so it also reflects later events of the same
   * batch), or `undefined` when it is no longer registered.
   */
  node: HostInfo | undefined
  /** The event's block, `null` while pending. */
  blockNumber: bigint | null
  /** The event's transaction, `null` while pending. */
  transactionHash: Hex | null
}
