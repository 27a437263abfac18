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
  clock: Clock
}

type Pending = ChallengeBinding & { message: string; expiresAt: number }

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

  constructor(options: ChallengeStoreOptions) {
    this.#options = options
  }

  /** Hands out a new challenge for `binding`. */
  create(binding: ChallengeBinding): IssuedChallenge {
    const { hostAddress, ttlMs, maxChallenges, clock } = this.#options
    const now = clock.now()
    for (const [nonce, pending] of this.#pending) {
      if (pending.expiresAt > now && this.#pending.size < maxChallenges) break
      this.#pending.delete(nonce)
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
    this.#pending.set(nonce, { ...binding, message, expiresAt })
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
    this.#pending.delete(nonce)
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

  /** Challenges held now. */
  get size(): number {
    return this.#pending.size
  }
}
