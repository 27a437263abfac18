import { FabstirError, type FabstirErrorOptions } from '@fabstir/protocol'

/** Codes of {@link SigningError}. */
export type SigningErrorCode =
  | 'INVALID_SIGNATURE'
  | 'HOST_KEY_MISMATCH'
  | 'SIGNING_REFUSED'
  | 'TOKEN_REFRESH_FAILED'

/** Options of a {@link SigningError}. */
export type SigningErrorOptions = FabstirErrorOptions & {
  sessionId?: string
  requestId?: string
  /** Whether trying again may succeed. @default false */
  isRetryable?: boolean
}

/**
 * Message signing or session authentication failed on the client's side (PROTOCOL.md §3, §5):
 *
 * - `INVALID_SIGNATURE`: a host `response` (or `checkpoint`) had no valid `sig` by the host's
 *   key. The prompt fails and its answer is not recorded; the connection is treated as broken and
 *   the session resumes (retryable).
 * - `HOST_KEY_MISMATCH`: `session_ready.host_public_key` is not the pinned `hostPublicKey`; the
 *   session does not start (or, on a reconnect, closes). Not retryable.
 * - `SIGNING_REFUSED`: the client asked for signing (a `sessionKey`) and the host answered
 *   `signing: false`, without `allowUnsignedSession`. Not retryable.
 * - `TOKEN_REFRESH_FAILED`: the `refreshToken` callback failed or returned something malformed;
 *   reported by the `token-refresh-failed` event, the session goes on. `cause` says why.
 *
 * Messages never contain tokens, keys or signatures.
 *
 * @example
 * ```ts
 * import { SigningError } from '@fabstir/inference'
 *
 * try {
 *   await manager.sendPrompt('1', 'Hello').result
 * } catch (error) {
 *   if (SigningError.isInstance(error) && error.code === 'INVALID_SIGNATURE') reportHost()
 * }
 * ```
 */
export class SigningError extends FabstirError<SigningErrorCode> {
  override name = 'SigningError' as const
  readonly sessionId: string | undefined
  readonly requestId: string | undefined
  readonly isRetryable: boolean
  readonly retryAfterMs: number | undefined = undefined

  /**
   * @param code - what failed.
   * @param shortMessage - one line.
   * @param options - ids, cause, details and `isRetryable`.
   */
  constructor(code: SigningErrorCode, shortMessage: string, options: SigningErrorOptions = {}) {
    super(code, shortMessage, options)
    this.sessionId = options.sessionId
    this.requestId = options.requestId
    this.isRetryable = options.isRetryable ?? false
  }

  /**
   * Recognises a {@link SigningError}, also one from another copy of the package.
   *
   * @param value - anything caught.
   */
  static override isInstance(value: unknown): value is SigningError {
    return FabstirError.isInstance(value) && value.name === 'SigningError'
  }
}
