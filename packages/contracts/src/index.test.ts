import { expect, test } from 'vitest'
import * as contracts from './index.js'

test('public surface', () => {
  expect(Object.keys(contracts).sort()).toMatchInlineSnapshot(`
    [
      "MAX_PROOF_TIMEOUT",
      "MAX_SESSION_DURATION",
      "MIN_DEPOSIT",
      "MIN_PROOF_TIMEOUT",
      "MIN_PROVEN_TOKENS",
      "MIN_STAKE",
      "NATIVE_TOKEN",
      "PRICE_PRECISION",
      "baseSepoliaAddresses",
      "deployFabstirContracts",
      "fabstirDeployments",
      "fabstirErrorsAbi",
      "getModelId",
      "hostEarningsAbi",
      "hostEarningsBytecode",
      "jobMarketplaceAbi",
      "jobMarketplaceBytecode",
      "modelRegistryAbi",
      "modelRegistryBytecode",
      "nodeRegistryAbi",
      "nodeRegistryBytecode",
      "proofSystemAbi",
      "proofSystemBytecode",
      "rejectingDepositorAbi",
      "rejectingDepositorBytecode",
      "testTokenAbi",
      "testTokenBytecode",
    ]
  `)
})
