import { expect, test } from 'vitest'
import { formatAmount, formatPrice, groupDigits } from './format.js'

const eth = { symbol: 'ETH', decimals: 18, baseUnit: 'wei' }
const unknown = { symbol: undefined, decimals: undefined, baseUnit: 'base units' }

test('groupDigits', () => {
  expect(groupDigits(0n)).toBe('0')
  expect(groupDigits(999n)).toBe('999')
  expect(groupDigits(1000n)).toBe('1,000')
  expect(groupDigits(-1234567n)).toBe('-1,234,567')
})

test('formatAmount: whole units when known, base units always', () => {
  expect(formatAmount(10n ** 14n, eth)).toBe('0.0001 ETH (100,000,000,000,000 wei)')
  expect(formatAmount(500_000n, unknown)).toBe('500,000 base units')
})

test('formatPrice: per 1000 tokens, with the per-token value', () => {
  expect(formatPrice(2000n, eth)).toBe('2,000 (2 wei per token)')
  expect(formatPrice(1n, unknown)).toBe('1 (0.001 base units per token)')
})
