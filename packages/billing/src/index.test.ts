import { expect, test } from 'vitest'
import * as billing from './index.js'

test('public surface', () => {
  expect(Object.keys(billing).sort()).toEqual([
    'BillingError',
    'ContractError',
    'SessionJobManager',
    'completeSessionJob',
    'createSessionJob',
    'estimateSessionCost',
    'getProofSubmissions',
    'getSessionJob',
    'getSettlement',
    'isAbortError',
    'maxTokensForDeposit',
    'triggerSessionTimeout',
  ])
})
