import { ProtocolError } from '@fabstir/protocol'
import type { Clock } from '../clock.js'
import type { Session } from './Session.js'

/** Options of a {@link SessionStore}. */
export type SessionStoreOptions = {
  /** Most sessions held; past it the least recently active session without a socket goes. */
  maxSessions: number
  /** A session without a socket is forgotten after this long without traffic. */
  idleTtlMs: number
  clock: Clock
  /** Called with each session the store forgets. */
  onEvict?: (session: Session, reason: 'idle' | 'capacity') => void
}

/**
 * @internal The host's bounded in-memory cache of sessions by id. Sessions outlive their sockets
 * so a client can reconnect and resume; idle ones are evicted by age (a sweep, see {@link start})
 * and, when the store is full, least recently active first. A session that a socket serves is
 * never evicted.
 */
export class SessionStore {
  readonly #options: SessionStoreOptions
  // Insertion order is activity order: `touch` moves a session to the end.
  readonly #sessions = new Map<string, Session>()
  #timer: ReturnType<typeof setInterval> | undefined

  constructor(options: SessionStoreOptions) {
    this.#options = options
  }

  /** The session with this id, if held. */
  get(id: string): Session | undefined {
    return this.#sessions.get(id)
  }

  /** How many sessions are held. */
  get size(): number {
    return this.#sessions.size
  }

  /** Every held session, least recently active first. */
  values(): IterableIterator<Session> {
    return this.#sessions.values()
  }

  /**
   * Checks that {@link add} would take a session of this id.
   *
   * @throws {ProtocolError} `UNAVAILABLE` when the store is full of sessions that sockets serve.
   */
  assertRoomFor(id: string): void {
    if (this.#sessions.has(id) || this.#sessions.size < this.#options.maxSessions) return
    if ([...this.#sessions.values()].some((held) => held.detach === undefined)) return
    throw this.#full()
  }

  /**
   * Holds a session (replacing one with the same id), making room if the store is full.
   *
   * @throws {ProtocolError} `UNAVAILABLE` when the store is full of sessions that sockets serve.
   */
  add(session: Session): void {
    this.#sessions.delete(session.id)
    if (this.#sessions.size >= this.#options.maxSessions) {
      const victim = [...this.#sessions.values()].find((held) => held.detach === undefined)
      if (victim === undefined) throw this.#full()
      this.#evict(victim, 'capacity')
    }
    session.lastActivityMs = this.#options.clock.now()
    this.#sessions.set(session.id, session)
  }

  /** Records traffic on a session: it becomes the most recently active. */
  touch(session: Session): void {
    session.lastActivityMs = this.#options.clock.now()
    if (this.#sessions.get(session.id) !== session) return
    this.#sessions.delete(session.id)
    this.#sessions.set(session.id, session)
  }

  /** Forgets a session (after `session_end`). */
  delete(session: Session): void {
    if (this.#sessions.get(session.id) === session) this.#sessions.delete(session.id)
  }

  /**
   * Evicts every session without a socket that has been idle for `idleTtlMs`.
   *
   * @returns how many were evicted.
   */
  sweep(): number {
    const oldest = this.#options.clock.now() - this.#options.idleTtlMs
    let evicted = 0
    for (const session of this.#sessions.values()) {
      if (session.lastActivityMs > oldest) break // the rest are more recent
      if (session.detach !== undefined) continue
      this.#evict(session, 'idle')
      evicted += 1
    }
    return evicted
  }

  /** Starts sweeping on a timer that does not keep the process alive. */
  start(): void {
    if (this.#timer !== undefined) return
    const everyMs = Math.max(1000, Math.min(this.#options.idleTtlMs, 60_000))
    this.#timer = setInterval(() => this.sweep(), everyMs)
    this.#timer.unref()
  }

  /** Stops the sweep timer. */
  stop(): void {
    clearInterval(this.#timer)
    this.#timer = undefined
  }

  #full(): ProtocolError {
    return new ProtocolError('UNAVAILABLE', 'The host is at its session limit', {
      details: `${this.#options.maxSessions} sessions`,
      retryAfterMs: 1000,
    })
  }

  #evict(session: Session, reason: 'idle' | 'capacity'): void {
    this.#sessions.delete(session.id)
    this.#options.onEvict?.(session, reason)
  }
}
