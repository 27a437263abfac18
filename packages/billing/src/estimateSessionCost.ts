import { PRICE_PRECISION } from '@fabstir/contracts'
import type { BillingError } from './errors/billing.js'
import { assertBigInt } from './internal/validate.js'

/** Options of {@link estimateSessionCost}. */
export type EstimateSessionCostOptions = {
  /** Tokens to pay for. */
  tokens: bigint
  /** The session's price: base units per 1000 tokens. */
  pricePerToken: bigint
}

/** What {@link estimateSessionCost} throws. */
export type EstimateSessionCostErrorType = BillingError

/**
 * What `tokens` cost at `pricePerToken`, in the payment token's base units, exactly as the
 * marketplace computes a host payment: `tokens × pricePerToken / 1000`, floored. (At settlement
 * the marketplace bills at least `proofInterval` tokens once any proof exists, and at most the
 * deposit.)
 *
 * @param options - `tokens` and `pricePerToken`, both bigints ≥ 0.
 * @returns the cost in base units (wei for the native token).
 * @throws {BillingError} `INVALID_ARGUMENT` for a negative or non-bigint value.
 * @example
 * ```ts
 * import { estimateSessionCost } from '@fabstir/billing'
 *
 * estimateSessionCost({ tokens: 400n, pricePerToken: 2000n }) // 800n (2 wei per token)
 * ```
 */
export function estimateSessionCost({ tokens, pricePerToken }: EstimateSessionCostOptions): bigint {
  assertBigInt(tokens, 'tokens', { min: 0n })
  assertBigInt(pricePerToken, 'pricePerToken', { min: 0n })
  return (tokens * pricePerToken) / PRICE_PRECISION
}
