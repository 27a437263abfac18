import { jobMarketplaceAbi } from '@fabstir/contracts'
import type { Address, Client } from 'viem'
import { readContract } from 'viem/actions'
import { BillingError } from '../errors/billing.js'
import type { SessionJob, SessionJobStatus } from '../sessionJobs/SessionJob.js'
import type { Race } from './abort.js'
import { rethrowAs } from './contractError.js'

const statuses: readonly SessionJobStatus[] = ['active', 'completed', 'timedOut']

/**
 * @internal Reads `sessionJobs(jobId)` and `sessionModel(jobId)` and decodes them by name.
 *
 * @throws {BillingError} `SESSION_NOT_FOUND` when the marketplace has no such job (id 0);
 *   `UNEXPECTED_RESPONSE` for a status these contracts do not have.
 */
export async function readSessionJob(
  publicClient: Client,
  marketplace: Address,
  jobId: bigint,
  race: Race,
): Promise<SessionJob> {
  const [fields, modelId] = await race(
    Promise.all([
      readContract(publicClient, {
        address: marketplace,
        abi: jobMarketplaceAbi,
        functionName: 'sessionJobs',
        args: [jobId],
      }).catch(rethrowAs('sessionJobs')),
      readContract(publicClient, {
        address: marketplace,
        abi: jobMarketplaceAbi,
        functionName: 'sessionModel',
        args: [jobId],
      }).catch(rethrowAs('sessionModel')),
    ]),
  )
  const [
    id,
    depositor,
    host,
    paymentToken,
    deposit,
    pricePerToken,
    tokensUsed,
    maxDuration,
    startTime,
    lastProofTime,
    proofInterval,
    proofTimeoutWindow,
    statusIndex,
    withdrawnByHost,
    refundedToUser,
    conversationCID,
    lastProofHash,
    lastProofCID,
  ] = fields
  if (id === 0n) {
    throw new BillingError('SESSION_NOT_FOUND', `No session job ${jobId} on the marketplace`, {
      jobId,
    })
  }
  const status = statuses[statusIndex]
  if (status === undefined) {
    throw new BillingError(
      'UNEXPECTED_RESPONSE',
      `Session job ${jobId} has status ${statusIndex}, which this SDK does not know`,
      { jobId },
    )
  }
  return {
    id,
    depositor,
    host,
    paymentToken,
    deposit,
    pricePerToken,
    tokensUsed,
    maxDuration,
    startTime,
    lastProofTime,
    proofInterval,
    proofTimeoutWindow,
    status,
    withdrawnByHost,
    refundedToUser,
    conversationCID,
    lastProofHash,
    lastProofCID,
    modelId,
  }
}
