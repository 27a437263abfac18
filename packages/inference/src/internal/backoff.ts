/**
 * @internal Retry settings shared by the WebSocket sessions and the HTTP client.
 */
export type RetryOptions = {
  /** Retries after the first attempt. */
  retryCount: number
  /** Base delay: attempt `n` (from 1) waits about `retryDelayMs * 2^(n-1)`, with jitter. */
  retryDelayMs: number
  /** Longest computed backoff. */
  maxRetryDelayMs: number
  /** Longest wait a host's `retry_after_ms` / `Retry-After` may impose. */
  maxRetryAfterMs: number
}

/**
 * @internal Delay before retry `attempt` (1-based): exponential backoff with "equal jitter" (half
 * fixed, half random), capped; a host's `retryAfterMs` wins when larger, up to its own cap.
 */
export function backoffDelayMs(
  attempt: number,
  options: Pick<RetryOptions, 'retryDelayMs' | 'maxRetryDelayMs' | 'maxRetryAfterMs'>,
  retryAfterMs?: number,
  random: () => number = Math.random,
): number {
  const exponential = Math.min(options.maxRetryDelayMs, options.retryDelayMs * 2 ** (attempt - 1))
  const jittered = exponential / 2 + (random() * exponential) / 2
  if (retryAfterMs === undefined) return Math.round(jittered)
  return Math.round(Math.max(jittered, Math.min(retryAfterMs, options.maxRetryAfterMs)))
}
