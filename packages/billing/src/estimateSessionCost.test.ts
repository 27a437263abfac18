import { describe, expect, test } from 'vitest'
import { estimateSessionCost } from './estimateSessionCost.js'

describe('estimateSessionCost', () => {
  test('tokens × price / 1000, floored, as the marketplace pays', () => {
    expect(estimateSessionCost({ tokens: 400n, pricePerToken: 2000n })).toBe(800n)
    expect(estimateSessionCost({ tokens: 1n, pricePerToken: 1500n })).toBe(1n)
    expect(estimateSessionCost({ tokens: 1n, pricePerToken: 999n })).toBe(0n)
    expect(estimateSessionCost({ tokens: 0n, pricePerToken: 2000n })).toBe(0n)
    expect(estimateSessionCost({ tokens: 10n ** 30n, pricePerToken: 10n ** 30n })).toBe(10n ** 57n)
  })

  test('negative or non-bigint values: INVALID_ARGUMENT', () => {
    expect(() => estimateSessionCost({ tokens: -1n, pricePerToken: 1n })).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    )
    expect(() =>
      estimateSessionCost({ tokens: 1n, pricePerToken: 2000 as unknown as bigint }),
    ).toThrow('pricePerToken must be a bigint ≥ 0, got 2000')
  })
})
