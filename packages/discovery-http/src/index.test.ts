import { expect, test } from 'vitest'
import * as discoveryHttp from './index.js'

test('public surface', () => {
  expect(Object.keys(discoveryHttp)).toEqual([])
})
