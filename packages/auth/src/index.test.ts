import { expect, test } from 'vitest'
import * as auth from './index.js'

test('public surface', () => {
  expect(Object.keys(auth)).toEqual([])
})
