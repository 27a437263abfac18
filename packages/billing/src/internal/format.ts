import { formatUnits } from 'viem'

/** @internal How amounts of one payment token are written in messages. */
export type TokenUnit = {
  /** `ETH`, `USDC`, …; undefined when the token would not say. */
  symbol: string | undefined
  /** Decimals of one whole token; undefined when unknown. */
  decimals: number | undefined
  /** Name of the smallest unit: `wei` for the native token, else `base units`. */
  baseUnit: string
}

/** @internal `1234567` → `1,234,567`. */
export function groupDigits(value: bigint): string {
  const negative = value < 0n
  const digits = (negative ? -value : value).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',')
  return negative ? `-${digits}` : digits
}

/** @internal `100000000000000n` → `0.0001 ETH (100,000,000,000,000 wei)`. */
export function formatAmount(amount: bigint, unit: TokenUnit): string {
  const base = `${groupDigits(amount)} ${unit.baseUnit}`
  if (unit.decimals === undefined || unit.symbol === undefined) return base
  return `${formatUnits(amount, unit.decimals)} ${unit.symbol} (${base})`
}

/** @internal A price (base units per 1000 tokens) with what it means per token: `2,000 (2 wei per token)`. */
export function formatPrice(pricePerToken: bigint, unit: TokenUnit): string {
  return `${groupDigits(pricePerToken)} (${formatUnits(pricePerToken, 3)} ${unit.baseUnit} per token)`
}
