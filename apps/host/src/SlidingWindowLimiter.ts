import type { Clock } from './clock.js'

/** Options of a {@link SlidingWindowLimiter}. */
export type SlidingWindowLimiterOptions = {
  /** Most events allowed in any window. */
  limit: number
  /** Length of the window. @default 60_000 */
  windowMs?: number
  clock: Clock
}

/**
 * Allows at most `limit` events in any `windowMs` (a sliding window), e.g. prompts per minute.
 * Memory is bounded by `limit` timestamps.
 */
export class SlidingWindowLimiter {
  readonly #limit: number
  readonly #windowMs: number
  readonly #clock: Clock
  // Times of the accepted events still inside the window, oldest first.
  readonly #times: number[] = []

  constructor({ limit, windowMs = 60_000, clock }: SlidingWindowLimiterOptions) {
    this.#limit = limit
    this.#windowMs = windowMs
    this.#clock = clock
  }

  /**
   * Takes one event if the window allows it.
   *
   * @returns 0 when the event is allowed (and counted); otherwise the milliseconds until it would be.
   */
  take(): number {
    const now = this.#clock.now()
    while (this.#times.length > 0 && (this.#times[0] ?? now) <= now - this.#windowMs) {
      this.#times.shift()
    }
    if (this.#times.length < this.#limit) {
      this.#times.push(now)
      return 0
    }
    return Math.max(1, (this.#times[0] ?? now) + this.#windowMs - now)
  }

  /** Whether the window is empty now, so the limiter may be forgotten. */
  isIdle(): boolean {
    const newest = this.#times.at(-1)
    return newest === undefined || newest <= this.#clock.now() - this.#windowMs
  }
}
