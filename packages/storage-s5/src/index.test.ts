import { expect, test } from 'vitest'
import * as storageS5 from './index.js'

test('public surface', () => {
  expect(Object.keys(storageS5)).toEqual([])
})
