import { InferenceManager } from '@fabstir/inference'
import { expect, test } from 'vitest'
import { FabstirSDK } from './FabstirSDK.js'

test('creates one InferenceManager on first use, with the inference options', async () => {
  const sdk = new FabstirSDK({ inference: { retryCount: 0 } })
  const manager = sdk.getInferenceManager()
  expect(manager).toBeInstanceOf(InferenceManager)
  expect(sdk.getInferenceManager()).toBe(manager)
  await sdk.stop()
})

test('stops without having created anything, and disposes', async () => {
  await using sdk = new FabstirSDK()
  await expect(sdk.stop()).resolves.toBeUndefined()
})
