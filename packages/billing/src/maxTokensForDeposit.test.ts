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

  test('maximal: tokens × price ≤ deposit × 1000 < (tokens + 1) × price', () => {
    // The units: a price is base units per 1000 tokens, so the cap is the largest tokens whose
    // cost, tokens × price / 1000, fits the deposit without rounding.
    const expectMaximal = (deposit: bigint, pricePerToken: bigint) => {
      const tokens = maxTokensForDeposit({ deposit, pricePerToken })
      const budget = deposit * 1000n
      expect(tokens * pricePerToken, `${deposit} at ${pricePerToken}`).toBeLessThanOrEqual(budget)
      expect((tokens + 1n) * pricePerToken, `${deposit} at ${pricePerToken}`).toBeGreaterThan(
        budget,
      )
    }
    // Every small deposit and price, so every remainder of deposit × 1000 / price shows up.
    for (let deposit = 0n; deposit <= 40n; deposit++) {
      for (let pricePerToken = 1n; pricePerToken <= 120n; pricePerToken++) {
        expectMaximal(deposit, pricePerToken)
      }
    }
    // Boundaries around exact division, a price over the whole budget, and 256-bit amounts.
    const max = 2n ** 256n - 1n
    for (const [deposit, pricePerToken] of [
      [1_000_000n, 2000n],
      [1_000_000n, 1999n],
      [1_000_000n, 2001n],
      [1n, 1001n],
      [1n, 1000n],
      [1n, 999n],
      [10n ** 15n, 3n],
      [max, 1n],
      [max, 7n],
      [max, max],
      [2n ** 255n, 999n],
      [10n ** 30n + 1n, 10n ** 18n + 1n],
    ] as const) {
      expectMaximal(deposit, pricePerToken)
    }
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
