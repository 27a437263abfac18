import { randomBytes } from 'node:crypto'
import { createChallengeMessage } from '@fabstir/auth'
import { AuthError } from '@fabstir/auth/host'
import type { Address } from '@fabstir/protocol'
import type { Clock } from '../clock.js'

/** @internal What a challenge is bound to. */
export type ChallengeBinding = {
  /** The address that asked for it, lowercase. */
  address: Address
  /** The job, decimal. */
  jobId: string
  chainId: number
}

/** @internal A challenge as `/v1/auth/challenge` answers it. */
export type IssuedChallenge = { nonce: string; message: string; expires_at: number }

/** @internal Options of a {@link ChallengeStore}. */
export type ChallengeStoreOptions = {
  /** The host's address, in the challenge text. */
  hostAddress: Address
  /** How long a challenge may be answered. */
  ttlMs: number
  /** Challenges held at once; past it the oldest is forgotten. */
  maxChallenges: number
  /**
   * Challenges held at once for one requester (remote address); past it that requester's oldest
   * is forgotten, so one client cannot push out the challenges of others.
   */
  maxPerRequester: number
  clock: Clock
}

type Pending = ChallengeBinding & { message: string; expiresAt: number; requester: string }

/**
 * @internal The challenges the host handed out and that were not answered yet: each nonce is
 * random (144 bits), single use, valid for `ttlMs`, and bound to the address, job and chain it was
 * asked for. Memory is bounded by `maxChallenges`: a new challenge first drops expired ones, then
 * the oldest.
 */
export class ChallengeStore {
  readonly #options: ChallengeStoreOptions
  // Insertion order is expiry order (one TTL, one clock), so the oldest come first.
  readonly #pending = new Map<string, Pending>()
  // The nonces of each requester, oldest first.
  readonly #byRequester = new Map<string, Set<string>>()

  constructor(options: ChallengeStoreOptions) {
    this.#options = options
  }

  /** Hands out a new challenge for `binding`, asked by `requester` (its remote address). */
  create(binding: ChallengeBinding, requester = ''): IssuedChallenge {
    const { hostAddress, ttlMs, maxChallenges, maxPerRequester, clock } = this.#options
    const now = clock.now()
    const own = this.#byRequester.get(requester)
    if (own !== undefined && own.size >= maxPerRequester) {
      const oldest = own.values().next()
      if (!oldest.done) this.#forget(oldest.value)
    }
    for (const [nonce, pending] of this.#pending) {
      if (pending.expiresAt > now && this.#pending.size < maxChallenges) break
      this.#forget(nonce)
    }
    const nonce = randomBytes(18).toString('base64url')
    const expiresAt = now + ttlMs
    const message = createChallengeMessage({
      hostAddress,
      jobId: binding.jobId,
      chainId: binding.chainId,
      nonce,
      expiresAt,
    })
    this.#pending.set(nonce, { ...binding, message, expiresAt, requester })
    const nonces = this.#byRequester.get(requester) ?? new Set()
    nonces.add(nonce)
    this.#byRequester.set(requester, nonces)
    return { nonce, message, expires_at: expiresAt }
  }

  /**
   * Takes a challenge out (a nonce is used once, whatever follows) and returns its text.
   *
   * @throws {AuthError} `AUTH_FAILED` for an unknown, used or expired nonce, or one asked for
   *   another address, job or chain.
   */
  take(nonce: string, binding: ChallengeBinding): string {
    const pending = this.#pending.get(nonce)
    this.#forget(nonce)
    if (pending === undefined) {
      throw new AuthError('AUTH_FAILED', 'The challenge is not valid', {
        details: 'unknown or already used nonce; ask /v1/auth/challenge for a new one',
      })
    }
    if (pending.expiresAt <= this.#options.clock.now()) {
      throw new AuthError('AUTH_FAILED', 'The challenge is not valid', {
        details: 'the challenge expired; ask /v1/auth/challenge for a new one',
      })
    }
    if (
      pending.address !== binding.address ||
      pending.jobId !== binding.jobId ||
      pending.chainId !== binding.chainId
    ) {
      throw new AuthError('AUTH_FAILED', 'The challenge is not valid', {
        details: 'the challenge was issued for another address, job or chain',
      })
    }
    return pending.message
  }

  #forget(nonce: string): void {
    const pending = this.#pending.get(nonce)
    if (pending === undefined) return
    this.#pending.delete(nonce)
    const nonces = this.#byRequester.get(pending.requester)
    nonces?.delete(nonce)
    if (nonces?.size === 0) this.#byRequester.delete(pending.requester)
  }

  /** Challenges held now. */
  get size(): number {
    return this.#pending.size
  }
}
