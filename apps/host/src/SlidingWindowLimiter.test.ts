import { describe, expect, test } from 'vitest'
import { SlidingWindowLimiter } from './SlidingWindowLimiter.js'

function fakeClock(start = 1_000_000) {
  const clock = { time: start, now: () => clock.time }
  return clock
}

describe('SlidingWindowLimiter', () => {
  test('allows limit events per window and says how long to wait', () => {
    const clock = fakeClock()
    const limiter = new SlidingWindowLimiter({ limit: 2, windowMs: 1000, clock })
    expect(limiter.take()).toBe(0)
    clock.time += 400
    expect(limiter.take()).toBe(0)
    expect(limiter.take()).toBe(600)
    expect(limiter.isIdle()).toBe(false)
    clock.time += 600
    expect(limiter.take()).toBe(0) // the first event left the window
    clock.time += 1000
    expect(limiter.isIdle()).toBe(true)
  })

  test('defaults to a one-minute window', () => {
    const clock = fakeClock()
    const limiter = new SlidingWindowLimiter({ limit: 1, clock })
    limiter.take()
    expect(limiter.take()).toBe(60_000)
  })
})
