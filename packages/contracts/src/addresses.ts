import type { Address } from 'viem'

/** Where the Fabstir contracts live on one chain. */
export type FabstirContractAddresses = {
  jobMarketplace: Address
  nodeRegistry: Address
  modelRegistry: Address
  proofSystem: Address
  hostEarnings: Address
  /** The staking token (18 decimals). */
  fabToken: Address
  /** The stable payment token (6 decimals). */
  usdcToken: Address
}

/**
 * The deployed Fabstir contracts on Base Sepolia (chain 84532), February 2026 revision (proxies).
 * Pass your own addresses to any client to override them.
 */
export const baseSepoliaAddresses = {
  jobMarketplace: '0xD067719Ee4c514B5735d1aC0FfB46FECf2A9adA4',
  nodeRegistry: '0x8BC0Af4aAa2dfb99699B1A24bA85E507de10Fd22',
  modelRegistry: '0x1a9d91521c85bD252Ac848806Ff5096bBb9ACDb2',
  proofSystem: '0xE8DCa89e1588bbbdc4F7D5F78263632B35401B31',
  hostEarnings: '0xE4F33e9e132E60fc3477509f99b9E1340b91Aee0',
  fabToken: '0xC78949004B4EB6dEf2D66e49Cd81231472612D62',
  usdcToken: '0x036CbD53842c5426634e7929541eC2318f3dCF7e',
} as const satisfies FabstirContractAddresses

/** Known deployments by chain id. */
export const fabstirDeployments: Readonly<Record<number, FabstirContractAddresses>> = {
  84532: baseSepoliaAddresses,
}
