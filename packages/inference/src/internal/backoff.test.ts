import { expect, test } from 'vitest'
import { backoffDelayMs } from './backoff.js'

const options = { retryDelayMs: 100, maxRetryDelayMs: 1_000, maxRetryAfterMs: 5_000 }

test('exponential backoff with equal jitter, capped', () => {
  expect(backoffDelayMs(1, options, undefined, () => 0)).toBe(50)
  expect(backoffDelayMs(1, options, undefined, () => 1)).toBe(100)
  expect(backoffDelayMs(3, options, undefined, () => 1)).toBe(400)
  expect(backoffDelayMs(10, options, undefined, () => 1)).toBe(1_000)
})

test('retry-after wins when larger, up to its cap', () => {
  expect(backoffDelayMs(1, options, 2_000, () => 0)).toBe(2_000)
  expect(backoffDelayMs(1, options, 60_000, () => 0)).toBe(5_000)
  expect(backoffDelayMs(1, options, 10, () => 1)).toBe(100)
})
