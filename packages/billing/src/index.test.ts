import { expect, test } from 'vitest'
import * as billing from './index.js'

test('public surface', () => {
  expect(Object.keys(billing)).toEqual([])
})
