import type { ReplayGuard } from '@fabstir/auth/host'
import type { Address } from '@fabstir/protocol'
import type { ChallengeStore } from '../auth/ChallengeStore.js'
import type { JobVerifier } from '../auth/JobVerifier.js'
import type { ModelBackend } from '../backends/ModelBackend.js'
import type { ProofOfWorkSubmitter } from '../chain/ProofOfWorkSubmitter.js'
import type { Clock } from '../clock.js'
import type { HostIdentity } from '../hostIdentity.js'
import type { KeyedRateLimiter } from '../KeyedRateLimiter.js'
import type { Logger } from '../logger.js'
import type { SessionStore } from '../session/SessionStore.js'
import type { HostLimits } from './HostLimits.js'

/** @internal Everything a request or socket handler of one host needs, resolved from the options. */
export type HostContext = {
  /** Backends by name and by model id. */
  readonly backends: ReadonlyMap<string, ModelBackend>
  readonly models: readonly ModelBackend[]
  readonly limits: HostLimits
  readonly insecureNoAuth: boolean
  readonly chainIds: readonly number[]
  readonly hostAddress: Address
  readonly prices: readonly { token: Address | '0x0'; price_per_token: string }[]
  readonly identity: HostIdentity
  /** Checks jobs before tokens are issued; without one `/v1/auth/token` is `UNAVAILABLE`. */
  readonly jobVerifier: JobVerifier | undefined
  /** Proves the work of on-chain sessions; unset without a chain. */
  readonly proofs: ProofOfWorkSubmitter | undefined
  /** Challenges handed out by `/v1/auth/challenge` and not answered yet. */
  readonly challenges: ChallengeStore
  /** Lifetime of the session tokens the host issues, in seconds (at most 900). */
  readonly tokenTtlSeconds: number
  /** `message_index` and `ts` of every session (PROTOCOL.md §5). */
  readonly replayGuard: ReplayGuard
  readonly sessions: SessionStore
  /** Prompts per minute of `POST /v1/inference`, per client address. */
  readonly httpLimiter: KeyedRateLimiter
  /** Requests of `/v1/auth/challenge` per minute, per remote address. */
  readonly challengeLimiter: KeyedRateLimiter
  /** Browser origins allowed besides loopback ones (normalized; `'*'` allows every one). */
  readonly allowedOrigins: ReadonlySet<string>
  readonly logger: Logger
  readonly clock: Clock
  /** When the host started serving (the clock's milliseconds). */
  readonly startedAtMs: number
  /** Sockets that serve a session now. */
  readonly activeSockets: Set<unknown>
  /** Aborted when the host closes: every generation stops. */
  readonly closing: AbortSignal
}
