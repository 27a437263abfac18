import { expect, test } from 'vitest'
import * as inference from './index.js'

test('public surface', () => {
  expect(Object.keys(inference)).toEqual([])
})
