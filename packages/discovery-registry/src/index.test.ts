import { expect, test } from 'vitest'
import * as discoveryRegistry from './index.js'

test('public surface', () => {
  expect(Object.keys(discoveryRegistry).sort()).toEqual([
    'ContractError',
    'NodeRegistryClient',
    'getCapabilities',
    'maxNodeMetadataBytes',
    'parseNodeMetadata',
    'toContractError',
  ])
})
