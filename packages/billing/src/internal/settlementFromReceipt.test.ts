import type { TransactionReceipt } from 'viem'
import { expect, test } from 'vitest'
import { settlementFromReceipt } from './settlementFromReceipt.js'

test('a receipt without a settlement of the job: UNEXPECTED_RESPONSE (fabricated receipt)', () => {
  const receipt = {
    transactionHash: `0x${'ab'.repeat(32)}`,
    blockNumber: 1n,
    from: '0x00000000000000000000000000000000000000aa',
    logs: [],
  } as unknown as TransactionReceipt
  expect(() =>
    settlementFromReceipt(receipt, {
      jobId: 3n,
      marketplace: '0x00000000000000000000000000000000000000bb',
    }),
  ).toThrow(
    expect.objectContaining({
      name: 'BillingError',
      code: 'UNEXPECTED_RESPONSE',
      jobId: 3n,
      shortMessage: `Transaction 0x${'ab'.repeat(32)} logged no settlement of session job 3`,
    }),
  )
})
