import {
  type Abi,
  type Account,
  type Address,
  type Chain,
  getAddress,
  type Hex,
  type PublicClient,
  type Transport,
  type WalletClient,
} from 'viem'
import type { FabstirContractAddresses } from './addresses.js'
import { hostEarningsAbi, hostEarningsBytecode } from './generated/hostEarnings.js'
import { jobMarketplaceAbi, jobMarketplaceBytecode } from './generated/jobMarketplace.js'
import { modelRegistryAbi, modelRegistryBytecode } from './generated/modelRegistry.js'
import { nodeRegistryAbi, nodeRegistryBytecode } from './generated/nodeRegistry.js'
import { proofSystemAbi, proofSystemBytecode } from './generated/proofSystem.js'
import { testTokenAbi, testTokenBytecode } from './generated/testToken.js'

export type DeployFabstirContractsOptions = {
  /** Sends the deployments; its account owns every contract. */
  walletClient: WalletClient<Transport, Chain, Account>
  /** Waits for receipts. */
  publicClient: PublicClient
  /** Receives the marketplace fee. @default the deployer */
  treasury?: Address
  /** The marketplace fee in basis points of the host payment. @default 1000n (10 %) */
  feeBasisPoints?: bigint
  /** Seconds after its last proof before a host may complete a session itself. @default 30n */
  disputeWindow?: bigint
  /** An existing staking token. @default a new mintable test FAB (18 decimals) */
  fabToken?: Address
  /** An existing stable token. @default a new mintable test USDC (6 decimals) */
  usdcToken?: Address
  /** The smallest USDC deposit, in base units. @default 500_000n (0.50 USDC) */
  usdcMinDeposit?: bigint
}

export type DeployFabstirContractsReturnType = FabstirContractAddresses

/**
 * Deploys and wires the Fabstir contracts: ModelRegistry, NodeRegistry, ProofSystem, HostEarnings
 * and JobMarketplace (plus test FAB and USDC tokens unless given); HostEarnings and ProofSystem
 * authorise the marketplace, and the marketplace accepts USDC. For local chains and tests.
 *
 * @throws viem's errors when a deployment or call reverts.
 * @example
 * import { deployFabstirContracts } from '@fabstir/contracts'
 * const addresses = await deployFabstirContracts({ walletClient, publicClient })
 */
export async function deployFabstirContracts({
  walletClient,
  publicClient,
  treasury = walletClient.account.address,
  feeBasisPoints = 1000n,
  disputeWindow = 30n,
  fabToken,
  usdcToken,
  usdcMinDeposit = 500_000n,
}: DeployFabstirContractsOptions): Promise<DeployFabstirContractsReturnType> {
  const owner = walletClient.account.address

  const deploy = async (abi: Abi, bytecode: Hex, args: readonly unknown[]): Promise<Address> => {
    const hash = await walletClient.deployContract({ abi, bytecode, args })
    const receipt = await publicClient.waitForTransactionReceipt({ hash })
    if (receipt.status !== 'success' || !receipt.contractAddress) {
      throw new Error(`deployment reverted in transaction ${hash}`)
    }
    return getAddress(receipt.contractAddress)
  }
  const call = async (
    address: Address,
    abi: Abi,
    functionName: string,
    args: readonly unknown[],
  ) => {
    const hash = await walletClient.writeContract({ address, abi, functionName, args })
    const receipt = await publicClient.waitForTransactionReceipt({ hash })
    if (receipt.status !== 'success')
      throw new Error(`${functionName} reverted in transaction ${hash}`)
  }

  const fab =
    fabToken ?? (await deploy(testTokenAbi, testTokenBytecode, ['Test FAB', 'FAB', 18, owner]))
  const usdc =
    usdcToken ?? (await deploy(testTokenAbi, testTokenBytecode, ['Test USDC', 'USDC', 6, owner]))
  const modelRegistry = await deploy(modelRegistryAbi, modelRegistryBytecode, [owner])
  const nodeRegistry = await deploy(nodeRegistryAbi, nodeRegistryBytecode, [
    fab,
    modelRegistry,
    owner,
  ])
  const proofSystem = await deploy(proofSystemAbi, proofSystemBytecode, [owner])
  const hostEarnings = await deploy(hostEarningsAbi, hostEarningsBytecode, [owner])
  const jobMarketplace = await deploy(jobMarketplaceAbi, jobMarketplaceBytecode, [
    nodeRegistry,
    proofSystem,
    hostEarnings,
    treasury,
    feeBasisPoints,
    disputeWindow,
    owner,
  ])

  await call(hostEarnings, hostEarningsAbi, 'setAuthorizedCaller', [jobMarketplace, true])
  await call(proofSystem, proofSystemAbi, 'setAuthorizedCaller', [jobMarketplace, true])
  await call(jobMarketplace, jobMarketplaceAbi, 'addAcceptedToken', [usdc, usdcMinDeposit])

  return {
    jobMarketplace,
    nodeRegistry,
    modelRegistry,
    proofSystem,
    hostEarnings,
    fabToken: fab,
    usdcToken: usdc,
  }
}
