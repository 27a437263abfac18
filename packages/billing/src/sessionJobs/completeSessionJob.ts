import { jobMarketplaceAbi } from '@fabstir/contracts'
import type { ContractError } from '@fabstir/discovery-registry'
import type { AbortOptions } from '@fabstir/protocol'
import { simulateContract, writeContract } from 'viem/actions'
import type { BillingError } from '../errors/billing.js'
import { withDeadline } from '../internal/abort.js'
import { requireWallet, resolveAddresses } from '../internal/resolveConfig.js'
import { sendTransaction } from '../internal/sendTransaction.js'
import { settlementFromReceipt } from '../internal/settlementFromReceipt.js'
import { assertJobId } from '../internal/validate.js'
import type { SessionJobConfig } from './SessionJobConfig.js'
import type { SessionSettlement } from './SessionSettlement.js'

/** Options of {@link completeSessionJob}. */
export type CompleteSessionJobOptions = AbortOptions & {
  /** The job id (= session id). */
  jobId: bigint
  /** Content id of the stored conversation, kept on the job. @default '' */
  conversationCID?: string
}

/** What {@link completeSessionJob} returns. */
export type CompleteSessionJobReturnType = SessionSettlement

/** What {@link completeSessionJob} throws (aborts reject with `signal.reason`). */
export type CompleteSessionJobErrorType = BillingError | ContractError

/**
 * Completes a session job and settles it: the host is paid for the proven tokens (less the
 * treasury fee, into HostEarnings) and the rest of the deposit goes back to the depositor. The
 * depositor may complete at any time; the host once the dispute window after its last proof (or
 * the start) has passed.
 *
 * Simulates `completeSessionJob`, sends it, waits for the receipt and reads the settlement from
 * its `SessionCompleted`, `SessionCompletedBy` and `RefundCreditedToDeposit` events. An abort
 * after the transaction was sent does not recall it (read the outcome with `getSettlement`).
 *
 * @param config - the clients (a wallet client with an account is required) and addresses.
 * @param options - the job id, the conversation's content id, `signal` and `timeoutMs`.
 * @returns the settlement: tokens, gross `paid`, `fee`, net `hostEarnings`, `refunded`.
 * @throws {ContractError} `CONTRACT_REVERTED` with `errorName` `SessionNotFound`,
 *   `SessionNotActive` (already settled), `NotSessionParty` or `DisputeWindowNotPassed`.
 * @throws {BillingError} `WALLET_REQUIRED`, `INVALID_ARGUMENT`, `UNKNOWN_DEPLOYMENT`.
 * @example
 * ```ts
 * import { completeSessionJob } from '@fabstir/billing'
 *
 * const { paid, fee, hostEarnings, refunded } = await completeSessionJob(
 *   { publicClient, walletClient },
 *   { jobId: 42n, conversationCID },
 * )
 * ```
 */
export async function completeSessionJob(
  config: SessionJobConfig,
  { jobId, conversationCID = '', signal, timeoutMs }: CompleteSessionJobOptions,
): Promise<CompleteSessionJobReturnType> {
  assertJobId(jobId)
  const { jobMarketplace } = resolveAddresses(config)
  const { walletClient, account } = requireWallet(config, 'completeSessionJob')
  const { publicClient } = config
  return withDeadline({ signal, timeoutMs }, async (race) => {
    const receipt = await sendTransaction(publicClient, race, 'completeSessionJob', async () => {
      const { request } = await simulateContract(publicClient, {
        account,
        address: jobMarketplace,
        abi: jobMarketplaceAbi,
        functionName: 'completeSessionJob',
        args: [jobId, conversationCID],
      })
      return writeContract(walletClient, request)
    })
    return settlementFromReceipt(receipt, { jobId, marketplace: jobMarketplace })
  })
}
