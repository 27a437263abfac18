import { expect, test } from 'vitest'
import * as contracts from './index.js'

test('public surface', () => {
  expect(Object.keys(contracts)).toEqual([])
})
