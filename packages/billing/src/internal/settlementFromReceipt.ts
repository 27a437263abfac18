import { jobMarketplaceAbi } from '@fabstir/contracts'
import { type Address, getAddress, parseEventLogs, type TransactionReceipt } from 'viem'
import { BillingError } from '../errors/billing.js'
import type { SessionJob } from '../sessionJobs/SessionJob.js'
import type { SessionSettlement } from '../sessionJobs/SessionSettlement.js'

/**
 * @internal Reads a settlement from the events of the transaction that settled `jobId`.
 *
 * A completion logs `SessionCompleted` (net host earnings, refund) and `SessionCompletedBy`
 * (gross payment, who); a timeout logs only `SessionTimedOut` (net, refund), so its gross is
 * `deposit − refund` and its token count comes from the stored job (pass `session`). Both may
 * log `RefundCreditedToDeposit`.
 *
 * @throws {BillingError} `UNEXPECTED_RESPONSE` when the receipt settles no such job.
 */
export function settlementFromReceipt(
  receipt: TransactionReceipt,
  {
    jobId,
    marketplace,
    session,
  }: { jobId: bigint; marketplace: Address; session?: Pick<SessionJob, 'deposit' | 'tokensUsed'> },
): SessionSettlement {
  const logs = parseEventLogs({ abi: jobMarketplaceAbi, logs: receipt.logs }).filter(
    (log) =>
      log.address.toLowerCase() === marketplace.toLowerCase() &&
      'jobId' in log.args &&
      log.args.jobId === jobId,
  )
  const refundCreditedToDeposit = logs.some((log) => log.eventName === 'RefundCreditedToDeposit')
  const base = {
    jobId,
    refundCreditedToDeposit,
    transactionHash: receipt.transactionHash,
    blockNumber: receipt.blockNumber,
  }

  let completed: { totalTokensUsed: bigint; hostEarnings: bigint } | undefined
  let completedBy: { completedBy: Address; paymentAmount: bigint; refundAmount: bigint } | undefined
  for (const log of logs) {
    if (log.eventName === 'SessionCompleted') completed = log.args
    else if (log.eventName === 'SessionCompletedBy') completedBy = log.args
    else if (log.eventName === 'SessionTimedOut' && session !== undefined) {
      const paid = session.deposit - log.args.userRefund
      return {
        ...base,
        status: 'timedOut',
        tokensUsed: session.tokensUsed,
        paid,
        fee: paid - log.args.hostEarnings,
        hostEarnings: log.args.hostEarnings,
        refunded: log.args.userRefund,
        completedBy: getAddress(receipt.from),
      }
    }
  }
  if (completed !== undefined && completedBy !== undefined) {
    return {
      ...base,
      status: 'completed',
      tokensUsed: completed.totalTokensUsed,
      paid: completedBy.paymentAmount,
      fee: completedBy.paymentAmount - completed.hostEarnings,
      hostEarnings: completed.hostEarnings,
      refunded: completedBy.refundAmount,
      completedBy: getAddress(completedBy.completedBy),
    }
  }
  throw new BillingError(
    'UNEXPECTED_RESPONSE',
    `Transaction ${receipt.transactionHash} logged no settlement of session job ${jobId}`,
    { jobId },
  )
}
