import { FabstirError, type FabstirErrorOptions } from '@fabstir/protocol'

/** Codes of {@link ConnectionError}. */
export type ConnectionErrorCode = 'CONNECT_TIMEOUT' | 'CONNECT_FAILED' | 'CONNECTION_LOST'

/** Options of a {@link ConnectionError}. */
export type ConnectionErrorOptions = FabstirErrorOptions & {
  /** The session the connection belongs to. */
  sessionId?: string
}

/**
 * The WebSocket to a host could not be opened in time (`CONNECT_TIMEOUT`), was refused or failed
 * (`CONNECT_FAILED`), or broke and could not be re-established within the retry budget
 * (`CONNECTION_LOST`). Always retryable: a later attempt, or another host, may succeed.
 *
 * @example
 * ```ts
 * import { ConnectionError } from '@fabstir/inference'
 *
 * try {
 *   await manager.connectToSession('1', 'http://127.0.0.1:8080', '1')
 * } catch (error) {
 *   if (ConnectionError.isInstance(error) && error.code === 'CONNECT_TIMEOUT') pickAnotherHost()
 * }
 * ```
 */
export class ConnectionError extends FabstirError<ConnectionErrorCode> {
  override name = 'ConnectionError' as const
  /** The session, when known. */
  readonly sessionId: string | undefined
  /** Whether trying again may succeed: always `true` for connection failures. */
  readonly isRetryable = true
  /** Connection failures carry no host-requested delay. */
  readonly retryAfterMs: number | undefined = undefined

  /**
   * @param code - which connection failure.
   * @param shortMessage - one line, without secrets (URLs are passed without credentials).
   * @param options - cause, details and the session id.
   */
  constructor(
    code: ConnectionErrorCode,
    shortMessage: string,
    options: ConnectionErrorOptions = {},
  ) {
    super(code, shortMessage, options)
    this.sessionId = options.sessionId
  }

  /**
   * Recognises a {@link ConnectionError}, also one from another copy of the package.
   *
   * @param value - anything caught.
   */
  static override isInstance(value: unknown): value is ConnectionError {
    return FabstirError.isInstance(value) && value.name === 'ConnectionError'
  }
}
