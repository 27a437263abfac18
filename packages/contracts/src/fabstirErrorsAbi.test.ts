import { expect, test } from 'vitest'
import { fabstirErrorsAbi } from './fabstirErrorsAbi.js'

test('every custom error once, errors shared by contracts included once', () => {
  const signatures = fabstirErrorsAbi.map(
    (item) => `${item.name}(${item.inputs.map((input) => input.type).join(',')})`,
  )
  expect(new Set(signatures).size).toBe(signatures.length)
  expect(signatures).toContain('PriceBelowHostMinimum(uint256,uint256)')
  expect(signatures).toContain('ModelPricingNotSet(address,bytes32,address)')
  expect(signatures).toContain('OwnableUnauthorizedAccount(address)')
})
