import {
  type ErrorCode,
  type ErrorMessage,
  FabstirError,
  type FabstirErrorOptions,
} from '@fabstir/protocol'

/** Codes after which trying again (later, or on a new connection) may succeed. */
const retryableCodes: ReadonlySet<ErrorCode> = new Set(['RATE_LIMITED', 'UNAVAILABLE', 'INTERNAL'])

/** Options of a {@link HostError}. */
export type HostErrorOptions = FabstirErrorOptions & {
  sessionId?: string
  requestId?: string
  retryAfterMs?: number
  /** Whether the host closes the socket after this error. */
  fatal?: boolean
}

/**
 * The host answered with an `error` message (PROTOCOL.md §4). `code` is the protocol's code;
 * `RATE_LIMITED`, `UNAVAILABLE` and `INTERNAL` are retryable, `retryAfterMs` is the host's
 * `retry_after_ms`. The host's own message is kept as `details`.
 *
 * @example
 * ```ts
 * import { HostError } from '@fabstir/inference'
 *
 * try {
 *   await manager.sendPrompt('1', 'Hello').result
 * } catch (error) {
 *   if (HostError.isInstance(error) && error.code === 'RATE_LIMITED') wait(error.retryAfterMs)
 * }
 * ```
 */
export class HostError extends FabstirError<ErrorCode> {
  override name = 'HostError' as const
  readonly sessionId: string | undefined
  readonly requestId: string | undefined
  readonly retryAfterMs: number | undefined
  readonly fatal: boolean
  readonly isRetryable: boolean

  /**
   * @param code - the protocol error code.
   * @param shortMessage - one line.
   * @param options - the host's details, ids, `retryAfterMs` and `fatal`.
   */
  constructor(code: ErrorCode, shortMessage: string, options: HostErrorOptions = {}) {
    super(code, shortMessage, options)
    this.sessionId = options.sessionId
    this.requestId = options.requestId
    this.retryAfterMs = options.retryAfterMs
    this.fatal = options.fatal ?? false
    this.isRetryable = retryableCodes.has(code)
  }

  /**
   * The error for a host's `error` message.
   *
   * @param message - the decoded `error` message.
   */
  static fromMessage(message: ErrorMessage): HostError {
    return new HostError(message.code, `Host answered ${message.code}`, {
      details: message.message,
      fatal: message.fatal,
      ...(message.session_id === undefined ? {} : { sessionId: message.session_id }),
      ...(message.request_id === undefined ? {} : { requestId: message.request_id }),
      ...(message.retry_after_ms === undefined ? {} : { retryAfterMs: message.retry_after_ms }),
    })
  }

  /**
   * Recognises a {@link HostError}, also one from another copy of the package.
   *
   * @param value - anything caught.
   */
  static override isInstance(value: unknown): value is HostError {
    return FabstirError.isInstance(value) && value.name === 'HostError'
  }
}
