import { PRICE_PRECISION } from '@fabstir/contracts'
import type { BillingError } from './errors/billing.js'
import { assertBigInt } from './internal/validate.js'

/** Options of {@link maxTokensForDeposit}. */
export type MaxTokensForDepositOptions = {
  /** The deposit, in the payment token's base units. */
  deposit: bigint
  /** The session's price: base units per 1000 tokens (> 0). */
  pricePerToken: bigint
}

/** What {@link maxTokensForDeposit} throws. */
export type MaxTokensForDepositErrorType = BillingError

/**
 * The most tokens a deposit pays for at `pricePerToken`: `deposit × 1000 / pricePerToken`,
 * floored. It is the marketplace's cap on a session's cumulative proof claims.
 *
 * @param options - `deposit` (≥ 0) and `pricePerToken` (≥ 1).
 * @returns the token count.
 * @throws {BillingError} `INVALID_ARGUMENT` for a negative deposit, a price below 1, or a non-bigint.
 * @example
 * ```ts
 * import { maxTokensForDeposit } from '@fabstir/billing'
 *
 * maxTokensForDeposit({ deposit: 1_000_000n, pricePerToken: 2000n }) // 500_000n
 * ```
 */
export function maxTokensForDeposit({
  deposit,
  pricePerToken,
}: MaxTokensForDepositOptions): bigint {
  assertBigInt(deposit, 'deposit', { min: 0n })
  assertBigInt(pricePerToken, 'pricePerToken', { min: 1n })
  return (deposit * PRICE_PRECISION) / pricePerToken
}
