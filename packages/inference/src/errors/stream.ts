import { FabstirError, type FabstirErrorOptions } from '@fabstir/protocol'

/** Codes of {@link StreamError}. */
export type StreamErrorCode =
  | 'FIRST_TOKEN_TIMEOUT'
  | 'INTER_TOKEN_TIMEOUT'
  | 'STREAM_SEQUENCE'
  | 'RESUME_DIVERGED'
  | 'STREAM_CLOSED'
  | 'RESPONSE_TOO_LARGE'

/** Options of a {@link StreamError}. */
export type StreamErrorOptions = FabstirErrorOptions & {
  sessionId?: string
  requestId?: string
}

/**
 * A prompt's stream failed on the host's side:
 *
 * - `FIRST_TOKEN_TIMEOUT` / `INTER_TOKEN_TIMEOUT`: the host stalled; the connection is treated as
 *   broken and the session reconnects for the prompts behind this one.
 * - `STREAM_SEQUENCE`: a `stream_chunk` arrived out of order or after a gap in `seq`; likewise.
 * - `RESUME_DIVERGED`: after a reconnect the regenerated answer did not start with the text already
 *   delivered, so it cannot be continued without duplicating or contradicting it.
 * - `STREAM_CLOSED`: the session was ended or stopped while the prompt was pending.
 * - `RESPONSE_TOO_LARGE`: the host sent more than the prompt may get: stream chunks beyond its
 *   `maxTokens` (one extra chunk is tolerated), or more than `maxResponseBytes` of text; the
 *   message says which. A host that does this breaks the protocol: the connection is treated as
 *   broken (closed with 4002) and the session reconnects for the prompts behind this one.
 *
 * All but `STREAM_CLOSED` are retryable: asking again may succeed.
 *
 * @example
 * ```ts
 * import { StreamError } from '@fabstir/inference'
 *
 * try {
 *   await manager.sendPrompt('1', 'Hello').result
 * } catch (error) {
 *   if (StreamError.isInstance(error) && error.isRetryable) askAgain()
 * }
 * ```
 */
export class StreamError extends FabstirError<StreamErrorCode> {
  override name = 'StreamError' as const
  readonly sessionId: string | undefined
  readonly requestId: string | undefined
  /** Whether asking again may succeed. */
  readonly isRetryable: boolean
  /** Stream failures carry no host-requested delay. */
  readonly retryAfterMs: number | undefined = undefined

  /**
   * @param code - which stream failure.
   * @param shortMessage - one line; never contains prompt or response text.
   * @param options - cause, details, session and request ids.
   */
  constructor(code: StreamErrorCode, shortMessage: string, options: StreamErrorOptions = {}) {
    super(code, shortMessage, options)
    this.sessionId = options.sessionId
    this.requestId = options.requestId
    this.isRetryable = code !== 'STREAM_CLOSED'
  }

  /**
   * Recognises a {@link StreamError}, also one from another copy of the package.
   *
   * @param value - anything caught.
   */
  static override isInstance(value: unknown): value is StreamError {
    return FabstirError.isInstance(value) && value.name === 'StreamError'
  }
}
