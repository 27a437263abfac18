import { describe, expect, test } from 'vitest'
import { createPrng } from './createPrng.js'

const take = (random: () => number, count: number) => Array.from({ length: count }, random)

describe('createPrng', () => {
  test('repeats for the same seed and salt, and differs otherwise', () => {
    expect(take(createPrng(7, 'a'), 5)).toEqual(take(createPrng(7, 'a'), 5))
    expect(take(createPrng(7, 'a'), 5)).not.toEqual(take(createPrng(7, 'b'), 5))
    expect(take(createPrng(7), 5)).not.toEqual(take(createPrng(8), 5))
  })

  test('returns numbers in [0, 1) spread over the interval', () => {
    const values = take(createPrng(1), 10_000)
    expect(values.every((value) => value >= 0 && value < 1)).toBe(true)
    const mean = values.reduce((sum, value) => sum + value, 0) / values.length
    expect(mean).toBeGreaterThan(0.45)
    expect(mean).toBeLessThan(0.55)
  })
})
