import { describe, expect, test } from 'vitest'
import { ChallengeStore } from './ChallengeStore.js'

const binding = { address: `0x${'11'.repeat(20)}`, jobId: '42', chainId: 1 } as const

describe('ChallengeStore', () => {
  test('nonces are random, single use and bound; memory is bounded, expired ones go first', () => {
    const clock = { time: 1_000_000, now: () => clock.time }
    const store = new ChallengeStore({
      hostAddress: `0x${'22'.repeat(20)}`,
      ttlMs: 1000,
      maxChallenges: 2,
      maxPerRequester: 2,
      clock,
    })
    const first = store.create(binding)
    expect(first.nonce).toMatch(/^[A-Za-z0-9_-]{24}$/)
    expect(first.expires_at).toBe(clock.time + 1000)
    expect(first.message).toContain(`Nonce: ${first.nonce}`)
    expect(store.take(first.nonce, binding)).toBe(first.message)
    expect(() => store.take(first.nonce, binding)).toThrow(
      expect.objectContaining({ code: 'AUTH_FAILED' }),
    )

    // Full: the oldest is dropped for a new one.
    const a = store.create(binding)
    const b = store.create(binding)
    const c = store.create(binding)
    expect(store.size).toBe(2)
    expect(() => store.take(a.nonce, binding)).toThrow('not valid')
    expect(store.take(b.nonce, binding)).toBe(b.message)

    // Expired ones are dropped when a new one comes, whatever the room.
    clock.time += 1000
    store.create(binding)
    expect(store.size).toBe(1)
    expect(() => store.take(c.nonce, binding)).toThrow('not valid')
  })

  test("one requester past its own bound drops its own oldest, never another requester's", () => {
    const clock = { now: () => 1_000_000 }
    const store = new ChallengeStore({
      hostAddress: `0x${'22'.repeat(20)}`,
      ttlMs: 1000,
      maxChallenges: 4,
      maxPerRequester: 2,
      clock,
    })
    const victim = store.create(binding, '127.0.0.1')
    const flood = Array.from({ length: 10 }, () => store.create(binding, '127.0.0.2'))
    expect(store.size).toBe(3)
    expect(store.take(victim.nonce, binding)).toBe(victim.message)
    expect(store.take(flood.at(-1)?.nonce ?? '', binding)).toBe(flood.at(-1)?.message)
    expect(() => store.take(flood[0]?.nonce ?? '', binding)).toThrow('not valid')
  })
})
