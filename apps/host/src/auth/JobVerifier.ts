import type { Address } from '@fabstir/protocol'

/** What {@link JobVerifier.verifyJob} checks: the job, and who claims to have deposited for it. */
export type VerifyJobParameters = {
  /** The on-chain job id, decimal. */
  jobId: string
  chainId: number
  /** The address that signed the challenge (or `sub` of the token being refreshed), lowercase. */
  depositor: Address
  /** This host's address (`hostAddress`), lowercase. */
  host: Address
}

/** Options of {@link JobVerifier.verifyJob}. */
export type VerifyJobOptions = {
  /** Aborted when the client goes away or the host closes: stop asking the chain. */
  signal: AbortSignal
}

/**
 * Checks a session job before the host issues (or refreshes) a session token (PROTOCOL.md §3.2):
 * the job exists on chain, is active, is for this host, and `depositor` deposited for it.
 *
 * The host calls it from `POST /v1/auth/token` and `POST /v1/auth/refresh`. The only
 * implementation today is {@link createDevelopmentJobVerifier}, which checks nothing; the on-chain
 * verifier comes with the contracts.
 *
 * @example
 * ```ts
 * import { AuthError } from '@fabstir/auth/host'
 * import type { JobVerifier } from '@fabstir/host'
 *
 * const jobVerifier: JobVerifier = {
 *   async verifyJob({ jobId, depositor }, { signal }) {
 *     const job = await readJob(jobId, { signal })
 *     if (job?.depositor.toLowerCase() !== depositor) {
 *       throw new AuthError('AUTH_FAILED', 'The signer did not deposit for this job')
 *     }
 *   },
 * }
 * ```
 */
export interface JobVerifier {
  /**
   * Resolves when the job may be served to `depositor`.
   *
   * @throws {AuthError} `AUTH_FAILED` when the job does not exist, is not active, is not for this
   *   host, or `depositor` is not its depositor (a `ProtocolError` with `INSUFFICIENT_DEPOSIT` or
   *   `SESSION_NOT_FOUND` where that fits better). The host sends these codes to the client as
   *   they are; anything else becomes `UNAVAILABLE` (and is logged).
   */
  verifyJob(job: VerifyJobParameters, options: VerifyJobOptions): Promise<void>
  /**
   * A warning the host logs once when it starts with this verifier; the development verifier
   * sets it. When the host's logger is the silent default, it is also raised with
   * `process.emitWarning`, so it cannot go unnoticed.
   */
  readonly warning?: string
}
