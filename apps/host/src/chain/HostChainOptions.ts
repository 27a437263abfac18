import type { SessionJobAddresses } from '@fabstir/billing'
import type { Account, Chain, PublicClient, Transport, WalletClient } from 'viem'

/** Options of a host that serves real jobs on chain (`startHost({ chain })`). */
export type HostChainOptions = {
  /** Reads jobs; its chain is the one the host serves. */
  publicClient: PublicClient<Transport, Chain>
  /** The host operator's wallet: its address is the host's, and it sends the proofs of work. */
  walletClient: WalletClient<Transport, Chain, Account>
  /** The marketplace and registries (the job reader checks jobs through them). */
  addresses: SessionJobAddresses
  /** How often a completion waiting for the dispute window checks the chain. @default 5_000 */
  completionPollMs?: number
  /** First delay of a retried transaction, doubled per attempt. @default 500 */
  retryDelayMs?: number
}
