import type { Address } from '@fabstir/protocol'
import type { ModelBackend } from '../backends/ModelBackend.js'
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
  readonly sessions: SessionStore
  /** Prompts per minute of `POST /v1/inference`, per client address. */
  readonly httpLimiter: KeyedRateLimiter
  readonly logger: Logger
  readonly clock: Clock
  /** When the host started serving (the clock's milliseconds). */
  readonly startedAtMs: number
  /** Sockets that serve a session now. */
  readonly activeSockets: Set<unknown>
  /** Aborted when the host closes: every generation stops. */
  readonly closing: AbortSignal
}
