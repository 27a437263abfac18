import { keccak256, stringToBytes } from 'viem'
import { expect, test } from 'vitest'
import { getModelId } from './getModelId.js'

const repo = 'TheBloke/TinyLlama-1.1B-Chat-v1.0-GGUF'
const file = 'tinyllama-1.1b-chat-v1.0.Q4_K_M.gguf'

test('keccak256 of "repo/file", also from "repo:file"', () => {
  const expected = keccak256(stringToBytes(`${repo}/${file}`))
  expect(getModelId(`${repo}/${file}`)).toBe(expected)
  expect(getModelId(`${repo}:${file}`)).toBe(expected)
})

test('a 32-byte id is returned as is (lowercase)', () => {
  const id = `0x${'AB'.repeat(32)}`
  expect(getModelId(id)).toBe(id.toLowerCase())
})

test.each(['', 'nofile', 'repo/', '/file', 'repo:', '0x1234'])('%j is refused', (name) => {
  expect(() => getModelId(name)).toThrow(TypeError)
})
