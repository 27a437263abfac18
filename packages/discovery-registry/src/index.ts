export {
  ContractError,
  type ContractErrorCode,
  type ContractErrorOptions,
  toContractError,
} from './errors/contract.js'
export type { HostInfo } from './HostInfo.js'
export type { ModelRecord } from './ModelRecord.js'
export { getCapabilities } from './metadata/getCapabilities.js'
export type { NodeMetadata } from './metadata/NodeMetadata.js'
export {
  maxNodeMetadataBytes,
  type ParseNodeMetadataReturnType,
  parseNodeMetadata,
} from './metadata/parseNodeMetadata.js'
export type { NodeChange, NodeChangeType } from './NodeChange.js'
export {
  type GetAllActiveNodesOptions,
  type GetHostModelPricesOptions,
  type GetModelPricingOptions,
  type GetNodeMetadataReturnType,
  type HostModelPrice,
  type ModelReference,
  NodeRegistryClient,
  type NodeRegistryClientBaseOptions,
  type NodeRegistryClientErrorType,
  type NodeRegistryClientOptions,
  type WatchNodesOptions,
} from './NodeRegistryClient.js'
