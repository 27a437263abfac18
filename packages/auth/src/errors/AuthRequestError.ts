import { type ErrorCode, FabstirError, type FabstirErrorOptions } from '@fabstir/protocol'

/**
 * Codes of {@link AuthRequestError}: the protocol code of the host's error body, `HTTP_ERROR`
 * (a failure status without such a body), `NETWORK_ERROR` (no answer), or `CHALLENGE_MISMATCH`
 * (the client refused to sign the host's challenge text).
 */
export type AuthRequestErrorCode = ErrorCode | 'HTTP_ERROR' | 'NETWORK_ERROR' | 'CHALLENGE_MISMATCH'

/** Options of an {@link AuthRequestError}. */
export type AuthRequestErrorOptions = FabstirErrorOptions & {
  /** HTTP status, when a response arrived. */
  status?: number
  /** The host's `retry_after_ms` (or `Retry-After` header), when it sent one. */
  retryAfterMs?: number
  /** Whether trying again later may succeed. @default false */
  isRetryable?: boolean
}

/**
 * A call to a host's authentication endpoints (`/v1/auth/challenge`, `/v1/auth/token`,
 * `/v1/auth/refresh`) failed, or its challenge was not the text the client expected. For an
 * error body `{error:{code,message,retry_after_ms?}}` (PROTOCOL.md §2), `code` is the protocol's
 * code (e.g. `AUTH_FAILED`, `TOKEN_EXPIRED`, `RATE_LIMITED`), `status` the HTTP status and the
 * host's message the `details`. `isRetryable` is true for network errors, 429, 502, 503 and 504.
 * Messages never contain tokens or signatures.
 *
 * @example
 * ```ts
 * import { AuthRequestError, refreshToken } from '@fabstir/auth'
 *
 * try {
 *   await refreshToken({ hostUrl, token })
 * } catch (error) {
 *   if (AuthRequestError.isInstance(error) && error.code === 'TOKEN_EXPIRED') reauthenticate()
 * }
 * ```
 */
export class AuthRequestError extends FabstirError<AuthRequestErrorCode> {
  override name = 'AuthRequestError' as const
  readonly status: number | undefined
  readonly retryAfterMs: number | undefined
  readonly isRetryable: boolean

  /**
   * @param code - the protocol code, or `HTTP_ERROR` / `NETWORK_ERROR` / `CHALLENGE_MISMATCH`.
   * @param shortMessage - one line, without secrets or URL credentials.
   * @param options - status, retry hints, cause and details.
   */
  constructor(
    code: AuthRequestErrorCode,
    shortMessage: string,
    options: AuthRequestErrorOptions = {},
  ) {
    super(code, shortMessage, options)
    this.status = options.status
    this.retryAfterMs = options.retryAfterMs
    this.isRetryable = options.isRetryable ?? false
  }

  /**
   * Recognises an {@link AuthRequestError}, also one from another copy of the package.
   *
   * @param value - anything caught.
   * @returns whether `value` is an {@link AuthRequestError}.
   */
  static override isInstance(value: unknown): value is AuthRequestError {
    return FabstirError.isInstance(value) && value.name === 'AuthRequestError'
  }
}
