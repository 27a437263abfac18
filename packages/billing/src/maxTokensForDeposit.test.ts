import { describe, expect, test } from 'vitest'
import { estimateSessionCost } from './estimateSessionCost.js'
import { maxTokensForDeposit } from './maxTokensForDeposit.js'

describe('maxTokensForDeposit', () => {
  test('deposit × 1000 / price, floored: the cap on proof claims', () => {
    expect(maxTokensForDeposit({ deposit: 1_000_000n, pricePerToken: 2000n })).toBe(500_000n)
    expect(maxTokensForDeposit({ deposit: 10n ** 15n, pricePerToken: 3n })).toBe(
      333_333_333_333_333_333n,
    )
    expect(maxTokensForDeposit({ deposit: 0n, pricePerToken: 1n })).toBe(0n)
  })

  test('a price below 1 or a negative deposit: INVALID_ARGUMENT', () => {
    expect(() => maxTokensForDeposit({ deposit: 1n, pricePerToken: 0n })).toThrow(
      expect.objectContaining({ name: 'BillingError', code: 'INVALID_ARGUMENT' }),
    )
    expect(() => maxTokensForDeposit({ deposit: -1n, pricePerToken: 1n })).toThrow('deposit')
  })

  test('round trip: the cost of the cap never exceeds the deposit', () => {
    for (const [deposit, pricePerToken] of [
      [10n ** 15n, 2000n],
      [999_999n, 7n],
      [500_000n, 123_456n],
    ] as const) {
      const tokens = maxTokensForDeposit({ deposit, pricePerToken })
      expect(estimateSessionCost({ tokens, pricePerToken })).toBeLessThanOrEqual(deposit)
      expect(estimateSessionCost({ tokens: tokens + 1n, pricePerToken })).toBeGreaterThanOrEqual(
        estimateSessionCost({ tokens, pricePerToken }),
      )
    }
  })
})
