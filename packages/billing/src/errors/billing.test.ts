import { FabstirError } from '@fabstir/protocol'
import { expect, test } from 'vitest'
import { BillingError } from './billing.js'

test('BillingError: code, job id, cause; recognised across copies by name and marker', () => {
  const cause = new Error('underneath')
  const error = new BillingError('SESSION_NOT_FOUND', 'No session job 7', { jobId: 7n, cause })
  expect(error).toBeInstanceOf(FabstirError)
  expect(error).toMatchObject({
    name: 'BillingError',
    code: 'SESSION_NOT_FOUND',
    shortMessage: 'No session job 7',
    jobId: 7n,
    isRetryable: false,
    cause,
  })
  expect(error.message).toBe('No session job 7\n\nDetails: underneath')
  expect(BillingError.isInstance(error)).toBe(true)
  expect(BillingError.isInstance(new FabstirError('X', 'x'))).toBe(false)
  expect(BillingError.isInstance({ name: 'BillingError' })).toBe(false)
  expect(new BillingError('INVALID_ARGUMENT', 'bad').jobId).toBeUndefined()
})
