import { expect, test } from 'vitest'
import * as sdk from './index.js'

test('public surface', () => {
  expect(Object.keys(sdk)).toEqual([])
})
