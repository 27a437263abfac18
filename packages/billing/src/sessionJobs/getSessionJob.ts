import type { ContractError } from '@fabstir/discovery-registry'
import type { AbortOptions } from '@fabstir/protocol'
import type { BillingError } from '../errors/billing.js'
import { withDeadline } from '../internal/abort.js'
import { readSessionJob } from '../internal/readSessionJob.js'
import { resolveAddresses } from '../internal/resolveConfig.js'
import { assertJobId } from '../internal/validate.js'
import type { SessionJob } from './SessionJob.js'
import type { SessionJobConfig } from './SessionJobConfig.js'

/** Options of {@link getSessionJob}. */
export type GetSessionJobOptions = AbortOptions & {
  /** The job id (= session id). */
  jobId: bigint
}

/** What {@link getSessionJob} returns. */
export type GetSessionJobReturnType = SessionJob

/** What {@link getSessionJob} throws (aborts reject with `signal.reason`). */
export type GetSessionJobErrorType = BillingError | ContractError

/**
 * Reads a session job from the marketplace (`sessionJobs` and `sessionModel`), decoded by field
 * name, with its status as `'active' | 'completed' | 'timedOut'`.
 *
 * @param config - the clients and contract addresses.
 * @param options - the job id, `signal` and `timeoutMs`.
 * @returns the job.
 * @throws {BillingError} `SESSION_NOT_FOUND` when there is no job of that id;
 *   `INVALID_ARGUMENT` for a malformed id; `UNKNOWN_DEPLOYMENT` without addresses.
 * @throws {ContractError} when the chain cannot be read.
 * @example
 * ```ts
 * import { getSessionJob } from '@fabstir/billing'
 *
 * const job = await getSessionJob({ publicClient }, { jobId: 42n })
 * console.log(job.status, job.tokensUsed, job.deposit)
 * ```
 */
export async function getSessionJob(
  config: SessionJobConfig,
  { jobId, signal, timeoutMs }: GetSessionJobOptions,
): Promise<GetSessionJobReturnType> {
  assertJobId(jobId)
  const { jobMarketplace } = resolveAddresses(config)
  return withDeadline({ signal, timeoutMs }, (race) =>
    readSessionJob(config.publicClient, jobMarketplace, jobId, race),
  )
}
