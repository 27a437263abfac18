import { AuthError } from '@fabstir/auth/host'
import { ProtocolError } from '@fabstir/protocol'
import type { Address } from 'viem'
import type { JobVerifier } from '../auth/JobVerifier.js'

/** What the verifier reads of a session job. */
export type VerifiableJob = {
  depositor: Address
  host: Address
  status: 'active' | 'completed' | 'timedOut'
}

/** Options of {@link createChainJobVerifier}. */
export type CreateChainJobVerifierOptions = {
  /** The chain the jobs live on; a token request for another is refused. */
  chainId: number
  /** Reads a job; resolves `undefined` when there is none. */
  readJob: (jobId: bigint, options: { signal: AbortSignal }) => Promise<VerifiableJob | undefined>
}

/**
 * The {@link JobVerifier} of a host serving real jobs: before a session token is issued, the job
 * must exist on chain (`SESSION_NOT_FOUND`), be active, be for this host, and the challenge's
 * signer must be its depositor (`AUTH_FAILED` otherwise).
 *
 * @example
 * ```ts
 * const jobVerifier = createChainJobVerifier({ chainId: 84532, readJob })
 * ```
 */
export function createChainJobVerifier({
  chainId,
  readJob,
}: CreateChainJobVerifierOptions): JobVerifier {
  return {
    async verifyJob(job, { signal }) {
      if (job.chainId !== chainId) {
        throw new AuthError('AUTH_FAILED', 'The job is on another chain', {
          details: `this host serves chain ${chainId}, not ${job.chainId}`,
        })
      }
      if (!/^[1-9]\d{0,77}$/.test(job.jobId)) {
        throw new ProtocolError('SESSION_NOT_FOUND', 'No such job on chain', {
          details: 'a job id is a positive decimal integer',
        })
      }
      const found = await readJob(BigInt(job.jobId), { signal })
      if (found === undefined) {
        throw new ProtocolError('SESSION_NOT_FOUND', 'No such job on chain', {
          details: `job ${job.jobId}`,
        })
      }
      if (found.status !== 'active') {
        throw new AuthError('AUTH_FAILED', 'The job is not active', {
          details: `job ${job.jobId} is ${found.status}`,
        })
      }
      if (found.host.toLowerCase() !== job.host.toLowerCase()) {
        throw new AuthError('AUTH_FAILED', 'The job is for another host', {
          details: `job ${job.jobId} is for ${found.host}`,
        })
      }
      if (found.depositor.toLowerCase() !== job.depositor.toLowerCase()) {
        throw new AuthError('AUTH_FAILED', 'The signer did not deposit for this job')
      }
    },
  }
}
