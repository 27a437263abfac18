/** Options every network call of the SDK takes last. */
export type AbortOptions = {
  /** Aborts the call; it rejects with `signal.reason`. */
  signal?: AbortSignal
  /** Aborts the call after this many milliseconds. */
  timeoutMs?: number
}

/**
 * Whether an error comes from an aborted operation (an `AbortSignal` or a timeout).
 *
 * @param error - anything caught.
 */
export function isAbortError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false
  const { name } = error as { name?: unknown }
  return name === 'AbortError' || name === 'TimeoutError'
}
