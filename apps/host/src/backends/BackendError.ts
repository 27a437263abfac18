import { FabstirError, type FabstirErrorOptions } from '@fabstir/protocol'

/** Every code a {@link BackendError} carries. */
export const backendErrorCodes = [
  /** The backend could not be reached, dropped the connection, or answered 429 or 5xx. */
  'BACKEND_UNAVAILABLE',
  /** The backend sent nothing for longer than the timeout. */
  'BACKEND_TIMEOUT',
  /** The backend refused the request (a 4xx other than 429: bad key, unknown model, too long). */
  'BACKEND_REJECTED',
  /** The backend answered with something that is not the expected format. */
  'BACKEND_BAD_RESPONSE',
] as const

/** A code of {@link BackendError}. */
export type BackendErrorCode = (typeof backendErrorCodes)[number]

/** Options of a {@link BackendError}: the base options plus what the transport saw. */
export type BackendErrorOptions = FabstirErrorOptions & {
  /** HTTP status of the backend's answer, when there was one. */
  status?: number
  /** How long the backend asked callers to wait (its `Retry-After`). */
  retryAfterMs?: number
}

/**
 * A model backend failed: it could not be reached, timed out, refused the request or answered
 * badly. Match on `code`; `isRetryable` says whether trying again later may succeed.
 *
 * @example
 * ```ts
 * import { BackendError } from './backends/BackendError.js'
 *
 * try {
 *   for await (const text of backend.generate(messages, { maxTokens: 64, temperature: 0 })) send(text)
 * } catch (error) {
 *   if (BackendError.isInstance(error) && error.isRetryable) retryLater(error.retryAfterMs)
 * }
 * ```
 */
export class BackendError extends FabstirError<BackendErrorCode> {
  override name = 'BackendError'
  /** HTTP status of the backend's answer, when there was one. */
  readonly status: number | undefined
  /** How long the backend asked callers to wait, when it said. */
  readonly retryAfterMs: number | undefined
  /** Whether the same request may succeed later (unavailable or timed out). */
  readonly isRetryable: boolean

  /**
   * @param code - what failed.
   * @param shortMessage - one line for users; never the prompt or the API key.
   * @param options - cause, details, context lines, status and retry delay.
   */
  constructor(code: BackendErrorCode, shortMessage: string, options: BackendErrorOptions = {}) {
    super(code, shortMessage, options)
    this.status = options.status
    this.retryAfterMs = options.retryAfterMs
    this.isRetryable = code === 'BACKEND_UNAVAILABLE' || code === 'BACKEND_TIMEOUT'
  }

  /**
   * Recognises a {@link BackendError}, also one from another copy of the package.
   *
   * @param value - anything caught.
   */
  static override isInstance(value: unknown): value is BackendError {
    return FabstirError.isInstance(value) && value.name === 'BackendError'
  }
}
