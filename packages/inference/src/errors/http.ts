import { type ErrorCode, FabstirError, type FabstirErrorOptions } from '@fabstir/protocol'

/** Codes of {@link HttpError}: a protocol code from the body, or one of the transport's own. */
export type HttpErrorCode = ErrorCode | 'HTTP_ERROR' | 'NETWORK_ERROR'

/** Options of an {@link HttpError}. */
export type HttpErrorOptions = FabstirErrorOptions & {
  /** HTTP status, when a response arrived. */
  status?: number
  retryAfterMs?: number
  isRetryable?: boolean
}

/**
 * An HTTP call to a host failed: the host answered with an error body
 * `{error:{code,message,retry_after_ms?}}` (`code` is then the protocol's code), with a status
 * but no such body (`HTTP_ERROR`), or the request never got an answer (`NETWORK_ERROR`).
 * `isRetryable` is true for network errors, 429, 502, 503 and 504.
 *
 * @example
 * ```ts
 * import { HttpError } from '@fabstir/inference'
 *
 * try {
 *   await client.models()
 * } catch (error) {
 *   if (HttpError.isInstance(error) && error.status === 404) useAnotherHost()
 * }
 * ```
 */
export class HttpError extends FabstirError<HttpErrorCode> {
  override name = 'HttpError' as const
  readonly status: number | undefined
  readonly retryAfterMs: number | undefined
  readonly isRetryable: boolean

  /**
   * @param code - the protocol code or `HTTP_ERROR` / `NETWORK_ERROR`.
   * @param shortMessage - one line; URLs without credentials.
   * @param options - status, retry hints, cause and details.
   */
  constructor(code: HttpErrorCode, shortMessage: string, options: HttpErrorOptions = {}) {
    super(code, shortMessage, options)
    this.status = options.status
    this.retryAfterMs = options.retryAfterMs
    this.isRetryable = options.isRetryable ?? false
  }

  /**
   * Recognises an {@link HttpError}, also one from another copy of the package.
   *
   * @param value - anything caught.
   */
  static override isInstance(value: unknown): value is HttpError {
    return FabstirError.isInstance(value) && value.name === 'HttpError'
  }
}
