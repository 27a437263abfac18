import { FabstirError, type FabstirErrorOptions } from '@fabstir/protocol'

/** Codes of {@link SessionError}. */
export type SessionErrorCode =
  | 'SESSION_UNKNOWN'
  | 'SESSION_EXISTS'
  | 'SESSION_STATE'
  | 'SESSION_CLOSED'

/** Options of a {@link SessionError}. */
export type SessionErrorOptions = FabstirErrorOptions & { sessionId?: string }

/**
 * A session call that does not fit the session's state: no session of that id
 * (`SESSION_UNKNOWN`), one already connected (`SESSION_EXISTS`), a call in the wrong state, such as
 * a prompt before `initializeSession` (`SESSION_STATE`), or the session ended (`SESSION_CLOSED`).
 * These are programming errors, not retryable.
 *
 * @example
 * ```ts
 * import { SessionError } from '@fabstir/inference'
 *
 * try {
 *   manager.sendPrompt('42', 'Hello')
 * } catch (error) {
 *   if (SessionError.isInstance(error) && error.code === 'SESSION_UNKNOWN') connectFirst()
 * }
 * ```
 */
export class SessionError extends FabstirError<SessionErrorCode> {
  override name = 'SessionError' as const
  readonly sessionId: string | undefined
  readonly isRetryable = false
  readonly retryAfterMs: number | undefined = undefined

  /**
   * @param code - which misuse.
   * @param shortMessage - one line.
   * @param options - cause, details and the session id.
   */
  constructor(code: SessionErrorCode, shortMessage: string, options: SessionErrorOptions = {}) {
    super(code, shortMessage, options)
    this.sessionId = options.sessionId
  }

  /**
   * Recognises a {@link SessionError}, also one from another copy of the package.
   *
   * @param value - anything caught.
   */
  static override isInstance(value: unknown): value is SessionError {
    return FabstirError.isInstance(value) && value.name === 'SessionError'
  }
}
