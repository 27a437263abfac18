import { expect, test } from 'vitest'
import { utf8ByteLength } from './utf8.js'

test.each([
  ['', 0],
  ['ascii', 5],
  ['é', 2],
  ['€', 3],
  ['😀', 4],
  ['a😀é€', 10],
  ['\ud800', 3],
  ['\udc00x', 4],
  ['\ud800\ud800', 6],
])('utf8ByteLength(%j) is %i, as TextEncoder has it', (text, bytes) => {
  expect(utf8ByteLength(text)).toBe(bytes)
  expect(new TextEncoder().encode(text).length).toBe(bytes)
})
