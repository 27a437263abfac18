import { jobMarketplaceAbi } from '@fabstir/contracts'
import type { ContractError } from '@fabstir/discovery-registry'
import type { AbortOptions } from '@fabstir/protocol'
import { simulateContract, writeContract } from 'viem/actions'
import type { BillingError } from '../errors/billing.js'
import { withDeadline } from '../internal/abort.js'
import { readSessionJob } from '../internal/readSessionJob.js'
import { requireWallet, resolveAddresses } from '../internal/resolveConfig.js'
import { sendTransaction } from '../internal/sendTransaction.js'
import { settlementFromReceipt } from '../internal/settlementFromReceipt.js'
import { assertJobId } from '../internal/validate.js'
import type { SessionJobConfig } from './SessionJobConfig.js'
import type { SessionSettlement } from './SessionSettlement.js'

/** Options of {@link triggerSessionTimeout}. */
export type TriggerSessionTimeoutOptions = AbortOptions & {
  /** The job id (= session id). */
  jobId: bigint
}

/** What {@link triggerSessionTimeout} returns. */
export type TriggerSessionTimeoutReturnType = SessionSettlement

/** What {@link triggerSessionTimeout} throws (aborts reject with `signal.reason`). */
export type TriggerSessionTimeoutErrorType = BillingError | ContractError

/**
 * Ends a session job whose time is up: anyone may, once its `maxDuration` has passed or no proof
 * came within `proofTimeoutWindow` (of the last proof, or of the start). It settles like a
 * completion: the host is paid for what it proved, the rest is refunded.
 *
 * Simulates and sends `triggerSessionTimeout`, waits for the receipt, and reads the settlement
 * from its `SessionTimedOut` event (net earnings, refund) and the stored job (deposit, tokens).
 *
 * @param config - the clients (a wallet client with an account is required) and addresses.
 * @param options - the job id, `signal` and `timeoutMs`.
 * @returns the settlement, `status: 'timedOut'`, `completedBy` the sender.
 * @throws {ContractError} `CONTRACT_REVERTED` with `errorName` `SessionNotTimedOut`,
 *   `SessionNotActive` or `SessionNotFound`.
 * @throws {BillingError} `WALLET_REQUIRED`, `INVALID_ARGUMENT`, `UNKNOWN_DEPLOYMENT`.
 * @example
 * ```ts
 * import { triggerSessionTimeout } from '@fabstir/billing'
 *
 * const { refunded } = await triggerSessionTimeout({ publicClient, walletClient }, { jobId: 42n })
 * ```
 */
export async function triggerSessionTimeout(
  config: SessionJobConfig,
  { jobId, signal, timeoutMs }: TriggerSessionTimeoutOptions,
): Promise<TriggerSessionTimeoutReturnType> {
  assertJobId(jobId)
  const { jobMarketplace } = resolveAddresses(config)
  const { walletClient, account } = requireWallet(config, 'triggerSessionTimeout')
  const { publicClient } = config
  return withDeadline({ signal, timeoutMs }, async (race) => {
    const receipt = await sendTransaction(publicClient, race, 'triggerSessionTimeout', async () => {
      const { request } = await simulateContract(publicClient, {
        account,
        address: jobMarketplace,
        abi: jobMarketplaceAbi,
        functionName: 'triggerSessionTimeout',
        args: [jobId],
      })
      return writeContract(walletClient, request)
    })
    // A settled job no longer changes, so the latest state is the state at settlement.
    const session = await readSessionJob(publicClient, jobMarketplace, jobId, race)
    return settlementFromReceipt(receipt, { jobId, marketplace: jobMarketplace, session })
  })
}
