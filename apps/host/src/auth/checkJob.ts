import { AuthError } from '@fabstir/auth/host'
import { ProtocolError } from '@fabstir/protocol'
import type { HostContext } from '../internal/HostContext.js'
import type { JobVerifier, VerifyJobParameters } from './JobVerifier.js'

/**
 * @internal The host's {@link JobVerifier}, or `UNAVAILABLE`: without one no token is issued.
 *
 * @throws {ProtocolError} `UNAVAILABLE`.
 */
export function requireJobVerifier(context: HostContext): JobVerifier {
  if (context.jobVerifier !== undefined) return context.jobVerifier
  throw new ProtocolError('UNAVAILABLE', 'This host cannot issue session tokens', {
    details:
      'a JobVerifier is required (startHost option jobVerifier; --dev-accept-any-job for development)',
  })
}

/**
 * @internal Asks the host's {@link JobVerifier} whether `job` may be served. Its `AuthError`s and
 * `ProtocolError`s reach the client as they are; any other failure (the chain unreachable, an
 * abort) is logged and becomes `UNAVAILABLE`.
 *
 * @throws {AuthError | ProtocolError} the verifier's refusal, or `UNAVAILABLE`.
 */
export async function checkJob(
  context: HostContext,
  job: Omit<VerifyJobParameters, 'host'>,
  signal: AbortSignal,
): Promise<void> {
  const verifier = requireJobVerifier(context)
  try {
    await verifier.verifyJob({ ...job, host: context.hostAddress }, { signal })
  } catch (error) {
    if (AuthError.isInstance(error) || ProtocolError.isInstance(error)) throw error
    context.logger.warn('job verification failed', { jobId: job.jobId, error: String(error) })
    throw new ProtocolError('UNAVAILABLE', 'The job could not be verified', {
      details: 'try again later',
      retryAfterMs: 5000,
    })
  }
}
