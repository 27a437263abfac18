import type { FabstirContractAddresses } from '@fabstir/contracts'
import type { Account, Chain, Client, Transport } from 'viem'

/**
 * What every session-job function and {@link SessionJobManager} works with: viem clients and
 * where the contracts are.
 *
 * @example
 * ```ts
 * import type { SessionJobConfig } from '@fabstir/billing'
 * import { createPublicClient, createWalletClient, custom, http } from 'viem'
 * import { baseSepolia } from 'viem/chains'
 *
 * const config: SessionJobConfig = {
 *   publicClient: createPublicClient({ chain: baseSepolia, transport: http() }),
 *   walletClient: createWalletClient({ chain: baseSepolia, transport: custom(window.ethereum), account }),
 * }
 * ```
 */
export type SessionJobConfig = {
  /**
   * Reads, simulations, receipts and logs: a viem `PublicClient` (any viem client works; the
   * functions call viem's tree-shakable actions on it).
   */
  publicClient: Client<Transport, Chain | undefined>
  /**
   * Signs and sends transactions, from its `account` (the depositor, or the host completing a
   * session). Only the writes need it.
   */
  walletClient?: Client<Transport, Chain | undefined, Account | undefined>
  /** Picks the deployment in `fabstirDeployments`. @default publicClient.chain.id */
  chainId?: number
  /**
   * Contract addresses, over the deployment of `chainId` (pass a devnet's `contracts` whole).
   * The marketplace, node registry and model registry are needed.
   * @default fabstirDeployments[chainId]
   */
  addresses?: Partial<FabstirContractAddresses>
}

/** The contracts the session-job functions call. */
export type SessionJobAddresses = Pick<
  FabstirContractAddresses,
  'jobMarketplace' | 'nodeRegistry' | 'modelRegistry'
>
