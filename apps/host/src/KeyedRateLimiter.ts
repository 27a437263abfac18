import type { Clock } from './clock.js'
import { SlidingWindowLimiter } from './SlidingWindowLimiter.js'

/** Options of a {@link KeyedRateLimiter}. */
export type KeyedRateLimiterOptions = {
  /** Most events per key in any window. */
  limit: number
  /** @default 60_000 */
  windowMs?: number
  /** Most keys remembered; past it idle keys go first, then the least recently used. @default 10_000 */
  maxKeys?: number
  clock: Clock
}

/** A {@link SlidingWindowLimiter} per key (e.g. per client address), with bounded memory. */
export class KeyedRateLimiter {
  readonly #options: KeyedRateLimiterOptions
  readonly #maxKeys: number
  // Insertion order is use order: the first key is the least recently used.
  readonly #limiters = new Map<string, SlidingWindowLimiter>()

  constructor(options: KeyedRateLimiterOptions) {
    this.#options = options
    this.#maxKeys = options.maxKeys ?? 10_000
  }

  /**
   * Takes one event for `key`.
   *
   * @returns 0 when allowed; otherwise the milliseconds until it would be.
   */
  take(key: string): number {
    let limiter = this.#limiters.get(key)
    if (limiter === undefined) {
      this.#makeRoom()
      const { limit, windowMs, clock } = this.#options
      limiter = new SlidingWindowLimiter({ limit, clock, ...(windowMs ? { windowMs } : {}) })
    } else {
      this.#limiters.delete(key)
    }
    this.#limiters.set(key, limiter)
    return limiter.take()
  }

  /** How many keys are remembered. */
  get size(): number {
    return this.#limiters.size
  }

  #makeRoom(): void {
    if (this.#limiters.size < this.#maxKeys) return
    for (const [key, limiter] of this.#limiters) {
      if (limiter.isIdle()) this.#limiters.delete(key)
    }
    // Forgetting a busy key only lets it start over: the bound on memory matters more.
    const oldest = this.#limiters.keys().next()
    if (this.#limiters.size >= this.#maxKeys && !oldest.done) this.#limiters.delete(oldest.value)
  }
}
