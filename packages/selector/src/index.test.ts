import { expect, test } from 'vitest'
import * as selector from './index.js'

test('public surface', () => {
  expect(Object.keys(selector)).toEqual([])
})
