import { expect, test } from 'vitest'
import * as discoveryP2p from './index.js'

test('public surface', () => {
  expect(Object.keys(discoveryP2p)).toEqual([])
})
