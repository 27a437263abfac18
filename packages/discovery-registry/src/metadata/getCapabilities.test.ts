import { expect, test } from 'vitest'
import { getCapabilities } from './getCapabilities.js'

test('lowercases, trims, maps aliases, deduplicates and sorts', () => {
  expect(
    getCapabilities({
      capabilities: [
        ' Inference ',
        'stream',
        'STREAMING',
        'EZKL',
        'proof',
        'E2EE',
        'zk_proofs',
        'custom thing',
      ],
    }),
  ).toEqual(['custom-thing', 'encryption', 'ezkl', 'inference', 'proofs', 'streaming'])
})

test('nothing to read gives an empty set', () => {
  expect(getCapabilities(undefined)).toEqual([])
  expect(getCapabilities({})).toEqual([])
  expect(getCapabilities({ capabilities: ['  ', ''] })).toEqual([])
})

test('tolerates values that bypassed the parser', () => {
  const hostile = { capabilities: [7, null, 'constructor', '__proto__', 'toString'] } as never
  expect(getCapabilities(hostile)).toEqual(['-proto-', 'constructor', 'tostring'])
  expect(getCapabilities({ capabilities: 'inference' } as never)).toEqual([])
})

test('returns a new array each call', () => {
  const metadata = { capabilities: ['inference'] }
  expect(getCapabilities(metadata)).not.toBe(getCapabilities(metadata))
})
