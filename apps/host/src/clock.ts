/** Time source of the host; tests inject one to control rate limits and idle expiry. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number
}

/** The real clock, `Date.now`. */
export const systemClock: Clock = { now: () => Date.now() }
