/** Marks every error of this SDK, so `isInstance` works across duplicate copies of the package. */
const fabstirErrorMarker = Symbol.for('fabstir.error')

/** Options every {@link FabstirError} accepts. */
export type FabstirErrorOptions = {
  /** The error that caused this one; kept as the native `cause`. */
  cause?: unknown
  /** One more line of detail; defaults to the cause's own message. */
  details?: string
  /** Context lines printed between the short message and the details. */
  metaMessages?: readonly string[]
}

/**
 * Base class of every error the Fabstir SDK throws.
 *
 * Match on `code` (stable across versions), not on the message. `shortMessage` is one line for
 * users; `message` adds context lines and details. Messages never carry secrets (tokens, keys,
 * prompts).
 *
 * @example
 * ```ts
 * import { FabstirError } from '@fabstir/protocol'
 *
 * try {
 *   await run()
 * } catch (error) {
 *   if (FabstirError.isInstance(error) && error.code === 'RATE_LIMITED') retryLater()
 * }
 * ```
 */
export class FabstirError<code extends string = string> extends Error {
  override name = 'FabstirError'
  /** Stable, machine-readable code: one of the protocol's error codes or the package's own. */
  readonly code: code
  /** One-line summary, without context or details. */
  readonly shortMessage: string
  /** Extra detail (from the options or the cause). */
  readonly details: string | undefined
  /** Context lines shown in `message`. */
  readonly metaMessages: readonly string[] | undefined
  readonly [fabstirErrorMarker] = true

  /**
   * @param code - stable code of the failure.
   * @param shortMessage - one line that says what went wrong.
   * @param options - cause, details and context lines.
   */
  constructor(code: code, shortMessage: string, options: FabstirErrorOptions = {}) {
    const details = options.details ?? detailsOf(options.cause)
    const message = [
      shortMessage,
      ...(options.metaMessages?.length ? ['', ...options.metaMessages] : []),
      ...(details ? ['', `Details: ${details}`] : []),
    ].join('\n')
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.code = code
    this.shortMessage = shortMessage
    this.details = details
    this.metaMessages = options.metaMessages
  }

  /**
   * Walks the `cause` chain from this error.
   *
   * @param predicate - returns true for the error to find; without it, the deepest cause is returned.
   * @returns the first error (this one included) the predicate accepts, or `null`; without a
   *   predicate, the innermost cause.
   */
  walk(predicate?: (error: unknown) => boolean): unknown {
    let current: unknown = this
    const seen = new Set<unknown>()
    while (current !== undefined && current !== null && !seen.has(current)) {
      if (predicate?.(current)) return current
      seen.add(current)
      const next: unknown = (current as { cause?: unknown }).cause
      if (next === undefined || next === null) return predicate ? null : current
      current = next
    }
    return predicate ? null : current
  }

  /**
   * Recognises a Fabstir error, also one thrown by another copy of the package.
   *
   * @param value - anything caught.
   * @returns whether `value` is a {@link FabstirError}.
   */
  static isInstance(value: unknown): value is FabstirError {
    return typeof value === 'object' && value !== null && fabstirErrorMarker in value
  }
}

function detailsOf(cause: unknown): string | undefined {
  if (FabstirError.isInstance(cause)) return cause.details ?? cause.shortMessage
  if (cause instanceof Error) return cause.message
  return undefined
}
