import { jobMarketplaceAbi } from '@fabstir/contracts'
import type { ContractError } from '@fabstir/discovery-registry'
import type { AbortOptions } from '@fabstir/protocol'
import { getContractEvents, getTransactionReceipt } from 'viem/actions'
import { BillingError } from '../errors/billing.js'
import { withDeadline } from '../internal/abort.js'
import { rethrowAs } from '../internal/contractError.js'
import { readSessionJob } from '../internal/readSessionJob.js'
import { resolveAddresses } from '../internal/resolveConfig.js'
import { settlementFromReceipt } from '../internal/settlementFromReceipt.js'
import { assertBigInt, assertJobId } from '../internal/validate.js'
import type { SessionJobConfig } from './SessionJobConfig.js'
import type { SessionSettlement } from './SessionSettlement.js'

/** Options of {@link getSettlement}. */
export type GetSettlementOptions = AbortOptions & {
  /** The job id (= session id). */
  jobId: bigint
  /**
   * First block searched for the settling event. RPC providers limit the range of `eth_getLogs`:
   * on a public chain pass a block at or before the job's creation (e.g. its `blockNumber` from
   * `createSessionJob`).
   * @default 0n
   */
  fromBlock?: bigint
}

/** What {@link getSettlement} returns. */
export type GetSettlementReturnType = SessionSettlement

/** What {@link getSettlement} throws (aborts reject with `signal.reason`). */
export type GetSettlementErrorType = BillingError | ContractError

/**
 * Reads back how an already settled session job was settled, completed or timed out: the job's
 * status picks the event (`SessionCompletedBy` or `SessionTimedOut`, filtered by the indexed job
 * id), and the settlement is read from the receipt of the transaction that logged it, exactly as
 * {@link completeSessionJob} and {@link triggerSessionTimeout} report it.
 *
 * @param config - the clients and contract addresses (no wallet needed).
 * @param options - the job id, the first block to search, `signal` and `timeoutMs`.
 * @returns the settlement.
 * @throws {BillingError} `SESSION_NOT_FOUND`, `SESSION_NOT_SETTLED` (still active),
 *   `SETTLEMENT_NOT_FOUND` (settled, but no event from `fromBlock` on), `INVALID_ARGUMENT`.
 * @throws {ContractError} when the chain cannot be read.
 * @example
 * ```ts
 * import { getSettlement } from '@fabstir/billing'
 *
 * const { status, paid, refunded } = await getSettlement({ publicClient }, { jobId: 42n })
 * ```
 */
export async function getSettlement(
  config: SessionJobConfig,
  { jobId, fromBlock = 0n, signal, timeoutMs }: GetSettlementOptions,
): Promise<GetSettlementReturnType> {
  assertJobId(jobId)
  assertBigInt(fromBlock, 'fromBlock', { min: 0n })
  const { jobMarketplace } = resolveAddresses(config)
  const { publicClient } = config
  return withDeadline({ signal, timeoutMs }, async (race) => {
    const session = await readSessionJob(publicClient, jobMarketplace, jobId, race)
    if (session.status === 'active') {
      throw new BillingError(
        'SESSION_NOT_SETTLED',
        `Session job ${jobId} is still active: complete it or trigger its timeout first`,
        { jobId },
      )
    }
    const eventName = session.status === 'completed' ? 'SessionCompletedBy' : 'SessionTimedOut'
    const logs = await race(
      getContractEvents(publicClient, {
        address: jobMarketplace,
        abi: jobMarketplaceAbi,
        eventName,
        args: { jobId },
        fromBlock,
        toBlock: 'latest',
      }).catch(rethrowAs(eventName)),
    )
    const log = logs[0]
    if (log?.transactionHash == null) {
      throw new BillingError(
        'SETTLEMENT_NOT_FOUND',
        `Session job ${jobId} is ${session.status === 'completed' ? 'completed' : 'timed out'}, but no ${eventName} event was found from block ${fromBlock}`,
        { jobId },
      )
    }
    const receipt = await race(
      getTransactionReceipt(publicClient, { hash: log.transactionHash }).catch(
        rethrowAs('getTransactionReceipt'),
      ),
    )
    return settlementFromReceipt(receipt, { jobId, marketplace: jobMarketplace, session })
  })
}
