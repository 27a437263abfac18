import { describe, expect, test } from 'vitest'
import { modelId } from './modelId.js'

describe('modelId', () => {
  test('is keccak256 of the UTF-8 name', () => {
    // The well-known keccak256 of the empty string and of "abc" (not SHA3-256).
    expect(modelId('')).toBe('0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470')
    expect(modelId('abc')).toBe(
      '0x4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45',
    )
  })
})
