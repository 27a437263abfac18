import type { JobVerifier } from './JobVerifier.js'

/** The warning a host logs when it starts with {@link createDevelopmentJobVerifier}. */
export const developmentJobVerifierWarning =
  'development job verifier: every job is accepted, nothing is checked on chain'

/**
 * A {@link JobVerifier} for development that accepts every job: anyone who can sign a challenge
 * with any wallet gets a session token for any job id. The host logs
 * {@link developmentJobVerifierWarning} when it starts with it (and raises a process warning when
 * its logger is silent). Never use it where a model costs money; the CLI selects it only with
 * `--dev-accept-any-job`.
 *
 * @returns a verifier that resolves for every job.
 * @example
 * ```ts
 * import { createDevelopmentJobVerifier, createEmbeddedBackend, startHost } from '@fabstir/host'
 *
 * await using host = await startHost({
 *   backends: [createEmbeddedBackend()],
 *   jobVerifier: createDevelopmentJobVerifier(), // loopback development only
 * })
 * ```
 */
export function createDevelopmentJobVerifier(): JobVerifier {
  return {
    warning: developmentJobVerifierWarning,
    verifyJob: async (_job, { signal }) => {
      signal.throwIfAborted()
    },
  }
}
