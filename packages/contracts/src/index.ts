export {
  baseSepoliaAddresses,
  type FabstirContractAddresses,
  fabstirDeployments,
} from './addresses.js'
export {
  MAX_PROOF_TIMEOUT,
  MAX_SESSION_DURATION,
  MIN_DEPOSIT,
  MIN_PROOF_TIMEOUT,
  MIN_PROVEN_TOKENS,
  MIN_STAKE,
  NATIVE_TOKEN,
  PRICE_PRECISION,
} from './constants.js'
export {
  type DeployFabstirContractsOptions,
  type DeployFabstirContractsReturnType,
  deployFabstirContracts,
} from './deployFabstirContracts.js'
export { fabstirErrorsAbi } from './fabstirErrorsAbi.js'
export { hostEarningsAbi, hostEarningsBytecode } from './generated/hostEarnings.js'
export { jobMarketplaceAbi, jobMarketplaceBytecode } from './generated/jobMarketplace.js'
export { modelRegistryAbi, modelRegistryBytecode } from './generated/modelRegistry.js'
export { nodeRegistryAbi, nodeRegistryBytecode } from './generated/nodeRegistry.js'
export { proofSystemAbi, proofSystemBytecode } from './generated/proofSystem.js'
export {
  rejectingDepositorAbi,
  rejectingDepositorBytecode,
} from './generated/rejectingDepositor.js'
export { testTokenAbi, testTokenBytecode } from './generated/testToken.js'
export { getModelId } from './getModelId.js'
