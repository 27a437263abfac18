import {
  type ErrorCode,
  type ErrorMessage,
  FabstirError,
  type FabstirErrorOptions,
} from '@fabstir/protocol'

/** The protocol codes {@link AuthError} carries (PROTOCOL.md §4). */
export type AuthErrorCode = Extract<
  ErrorCode,
  | 'AUTH_REQUIRED'
  | 'AUTH_FAILED'
  | 'TOKEN_EXPIRED'
  | 'PERMISSION_DENIED'
  | 'INVALID_SIGNATURE'
  | 'REPLAYED_MESSAGE'
  | 'INVALID_MESSAGE_INDEX'
  | 'BAD_MESSAGE'
  | 'INTERNAL'
>

/** Options of an {@link AuthError}: the base options plus where the failure belongs. */
export type AuthErrorOptions = FabstirErrorOptions & {
  /** Session (decimal job id) of the message that failed, when known. */
  sessionId?: string
}

/**
 * Authentication or authorisation failed: a session token was missing, invalid or expired, a
 * message was replayed or out of its time window, or a permission was missing. `code` is one of
 * the protocol's codes, so a host can answer with it as is ({@link AuthError.toErrorMessage}).
 *
 * Messages never contain tokens, keys or signatures; `details` names what failed, not the value.
 *
 * @example
 * ```ts
 * import { AuthError, verifyToken } from '@fabstir/auth/host'
 *
 * try {
 *   await verifyToken(message.token, { hostPublicKey })
 * } catch (error) {
 *   if (!AuthError.isInstance(error)) throw error
 *   socket.send(JSON.stringify(error.toErrorMessage({ fatal: true }))) // e.g. TOKEN_EXPIRED
 * }
 * ```
 */
export class AuthError extends FabstirError<AuthErrorCode> {
  override name = 'AuthError' as const
  /** Session of the failing message, when known. */
  readonly sessionId: string | undefined

  /**
   * @param code - the protocol error code.
   * @param shortMessage - one line that says what went wrong.
   * @param options - cause, details and the session id.
   */
  constructor(code: AuthErrorCode, shortMessage: string, options: AuthErrorOptions = {}) {
    super(code, shortMessage, options)
    this.sessionId = options.sessionId
  }

  /**
   * The `error` message a host sends for this error (PROTOCOL.md §4).
   *
   * @param options.fatal - whether the host closes the socket next. @default false
   * @returns a wire `error` message.
   * @example
   * ```ts
   * socket.send(JSON.stringify(error.toErrorMessage({ fatal: true })))
   * ```
   */
  toErrorMessage({ fatal = false }: { fatal?: boolean } = {}): ErrorMessage {
    return {
      type: 'error',
      ...(this.sessionId === undefined ? {} : { session_id: this.sessionId }),
      code: this.code,
      message: this.details ? `${this.shortMessage}: ${this.details}` : this.shortMessage,
      fatal,
    }
  }

  /**
   * Recognises an {@link AuthError}, also one from another copy of the package.
   *
   * @param value - anything caught.
   * @returns whether `value` is an {@link AuthError}.
   */
  static override isInstance(value: unknown): value is AuthError {
    return FabstirError.isInstance(value) && value.name === 'AuthError'
  }
}
