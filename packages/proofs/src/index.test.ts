import { expect, test } from 'vitest'
import * as proofs from './index.js'

test('public surface', () => {
  expect(Object.keys(proofs)).toEqual([])
})
