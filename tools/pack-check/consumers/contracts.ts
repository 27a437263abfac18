// Type-checked by pack-check against the installed tarball, as .mts, .cts and .ts, in a Node
// project and a browser project: keep it free of Node and DOM names.
import {
  baseSepoliaAddresses,
  fabstirDeployments,
  getModelId,
  nodeRegistryAbi,
} from '@fabstir/contracts'

export const modelId: `0x${string}` = getModelId('fabstir/ngram-trigram.json')
export const nodeRegistry: `0x${string}` = baseSepoliaAddresses.nodeRegistry
export const deployment = fabstirDeployments[84532]
export const functionNames = nodeRegistryAbi
  .filter((item) => item.type === 'function')
  .map((item) => item.name)
