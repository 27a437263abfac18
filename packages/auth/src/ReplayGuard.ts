import { AuthError } from './errors/AuthError.js'

/** The fields of a client message the guard reads (PROTOCOL.md §4). */
export type ReplayCheckable = {
  readonly session_id: string
  readonly message_index: number
  readonly ts: number
}

/** Options of a {@link ReplayGuard}. */
export type ReplayGuardOptions = {
  /**
   * How many sessions' last index it remembers. Past that, the least recently used session is
   * forgotten: size it above the sessions a host serves at once (see `evictions`).
   * @default 10_000
   */
  maxSessions?: number
  /**
   * How far a message's `ts` may be from the guard's clock, either way.
   * @default 60_000
   */
  maxClockSkewMs?: number
  /**
   * The clock, in milliseconds since the epoch.
   * @default Date.now
   */
  now?: () => number
}

/** What {@link ReplayGuard.check} throws. */
export type ReplayGuardErrorType = AuthError

/**
 * Rejects replayed client messages (PROTOCOL.md §5): per session, `message_index` must be greater
 * than the last one accepted, and `ts` must be within ±60 s of the guard's clock. A message is
 * recorded only when both hold, so a rejected message does not advance the index.
 *
 * A `ts` outside the window is `REPLAYED_MESSAGE` too: the spec lists it under replay, and a
 * message that old (or from that far ahead) is indistinguishable from a recorded one sent again.
 * Memory is bounded: an LRU of at most `maxSessions` sessions; an evicted session starts over,
 * which the ±60 s window limits to messages of the last minute. Call `delete` when a session ends.
 *
 * Use it after the signature check: an unsigned or forged message must not advance the index.
 *
 * @example
 * ```ts
 * import { ReplayGuard } from '@fabstir/auth/host'
 *
 * const guard = new ReplayGuard()
 * guard.check(message) // throws AuthError REPLAYED_MESSAGE when seen before
 * ```
 */
export class ReplayGuard {
  readonly #lastIndex = new Map<string, number>()
  readonly #maxSessions: number
  readonly #maxClockSkewMs: number
  readonly #now: () => number
  #evictions = 0

  /**
   * @param options - capacity, time window and clock.
   * @throws {RangeError} for a capacity or window that is not a positive integer.
   */
  constructor({
    maxSessions = 10_000,
    maxClockSkewMs = 60_000,
    now = Date.now,
  }: ReplayGuardOptions = {}) {
    if (!Number.isSafeInteger(maxSessions) || maxSessions < 1) {
      throw new RangeError('maxSessions must be a positive integer')
    }
    if (!Number.isSafeInteger(maxClockSkewMs) || maxClockSkewMs < 1) {
      throw new RangeError('maxClockSkewMs must be a positive integer')
    }
    this.#maxSessions = maxSessions
    this.#maxClockSkewMs = maxClockSkewMs
    this.#now = now
  }

  /**
   * Accepts a message or throws. On success its `message_index` becomes the session's last.
   *
   * @param message - a decoded client message.
   * @returns the same message.
   * @throws {AuthError} `INVALID_MESSAGE_INDEX` when `message_index` is not a positive integer;
   *   `BAD_MESSAGE` when `session_id` is not a string or `ts` not a number;
   *   `REPLAYED_MESSAGE` when `message_index` is not above the last accepted one or `ts` is
   *   outside the window.
   */
  check<message extends ReplayCheckable>(message: message): message {
    const { session_id: sessionId, message_index: index, ts } = message
    if (typeof sessionId !== 'string' || typeof ts !== 'number' || !Number.isFinite(ts)) {
      throw new AuthError('BAD_MESSAGE', 'The message has no session id or timestamp')
    }
    if (!Number.isSafeInteger(index) || index < 1) {
      throw new AuthError('INVALID_MESSAGE_INDEX', 'message_index must be a positive integer', {
        sessionId,
      })
    }
    const skew = ts - this.#now()
    if (Math.abs(skew) > this.#maxClockSkewMs) {
      throw new AuthError('REPLAYED_MESSAGE', 'The message timestamp is outside the window', {
        sessionId,
        details: `ts is ${Math.round(Math.abs(skew) / 1000)} s ${skew < 0 ? 'old' : 'ahead'}; at most ${this.#maxClockSkewMs / 1000} s allowed`,
      })
    }
    const last = this.#lastIndex.get(sessionId)
    if (last !== undefined && index <= last) {
      throw new AuthError('REPLAYED_MESSAGE', 'The message was replayed', {
        sessionId,
        details: `message_index ${index} is not above the last accepted ${last}`,
      })
    }
    this.#remember(sessionId, index)
    return message
  }

  /**
   * The last accepted `message_index` of a session.
   *
   * @param sessionId - the session.
   * @returns the index, or `undefined` when the session is unknown (or was evicted).
   */
  getLastIndex(sessionId: string): number | undefined {
    return this.#lastIndex.get(sessionId)
  }

  /**
   * Sets a session's last index, e.g. from `session_resume.last_message_index` on a host that
   * takes a session over. Never lowers a known index.
   *
   * @param sessionId - the session.
   * @param index - the last index the client says it sent (0 for none).
   * @throws {RangeError} when `index` is not a non-negative integer.
   */
  setLastIndex(sessionId: string, index: number): void {
    if (!Number.isSafeInteger(index) || index < 0) {
      throw new RangeError('index must be a non-negative integer')
    }
    this.#remember(sessionId, Math.max(this.#lastIndex.get(sessionId) ?? 0, index))
  }

  /**
   * Forgets a session, when it ends.
   *
   * @param sessionId - the session.
   * @returns whether it was known.
   */
  delete(sessionId: string): boolean {
    return this.#lastIndex.delete(sessionId)
  }

  /** Records a session's index as the most recently used, evicting the least recently used. */
  #remember(sessionId: string, index: number): void {
    this.#lastIndex.delete(sessionId) // re-inserted: a Map's order is the LRU order
    this.#lastIndex.set(sessionId, index)
    for (const oldest of this.#lastIndex.keys()) {
      if (this.#lastIndex.size <= this.#maxSessions) break
      this.#lastIndex.delete(oldest)
      this.#evictions += 1
    }
  }

  /** How many sessions it remembers now. */
  get size(): number {
    return this.#lastIndex.size
  }

  /** How many sessions were forgotten for lack of room since it was made. */
  get evictions(): number {
    return this.#evictions
  }
}
