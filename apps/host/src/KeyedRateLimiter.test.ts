import { describe, expect, test } from 'vitest'
import { KeyedRateLimiter } from './KeyedRateLimiter.js'

function fakeClock(start = 1_000_000) {
  const clock = { time: start, now: () => clock.time }
  return clock
}

describe('KeyedRateLimiter', () => {
  test('limits each key on its own', () => {
    const clock = fakeClock()
    const limiter = new KeyedRateLimiter({ limit: 1, windowMs: 1000, clock })
    expect(limiter.take('a')).toBe(0)
    expect(limiter.take('b')).toBe(0)
    expect(limiter.take('a')).toBe(1000)
  })

  test('holds at most maxKeys: idle keys go first, then the least recently used', () => {
    const clock = fakeClock()
    const limiter = new KeyedRateLimiter({ limit: 1, windowMs: 1000, maxKeys: 2, clock })
    limiter.take('a')
    clock.time += 2000 // a is idle now
    limiter.take('b')
    limiter.take('c') // evicts idle a
    expect(limiter.size).toBe(2)
    limiter.take('b') // b is most recent; c least
    limiter.take('d') // nothing idle: evicts c
    expect(limiter.size).toBe(2)
    expect(limiter.take('c')).toBe(0) // c starts over
  })
})
