import { BillingError, getSessionJob, type SessionJobAddresses } from '@fabstir/billing'
import { PRICE_PRECISION } from '@fabstir/contracts'
import type { PublicClient } from 'viem'
import type { VerifiableJob } from './createChainJobVerifier.js'
import type { ProvableJob } from './ProofOfWorkSubmitter.js'

/** @internal Reads what the host needs of a job; `undefined` when there is none. */
export async function readSessionJob(
  publicClient: PublicClient,
  addresses: SessionJobAddresses,
  jobId: bigint,
  { signal }: { signal?: AbortSignal } = {},
): Promise<(VerifiableJob & ProvableJob) | undefined> {
  try {
    const job = await getSessionJob(
      { publicClient, addresses },
      { jobId, ...(signal === undefined ? {} : { signal }) },
    )
    return {
      ...job,
      maxTokens: (job.deposit * PRICE_PRECISION) / job.pricePerToken,
    }
  } catch (error) {
    if (BillingError.isInstance(error) && error.code === 'SESSION_NOT_FOUND') return undefined
    throw error
  }
}
