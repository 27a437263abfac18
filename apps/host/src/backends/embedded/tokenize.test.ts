import { describe, expect, test } from 'vitest'
import { tokenize } from './tokenize.js'

describe('tokenize', () => {
  test('splits words and punctuation, keeping inner apostrophes and hyphens', () => {
    expect(tokenize("'I don't know,' said the Mock Turtle--rabbit-hole!")).toEqual([
      "'",
      'I',
      "don't",
      'know',
      ',',
      "'",
      'said',
      'the',
      'Mock',
      'Turtle',
      '--',
      'rabbit-hole',
      '!',
    ])
  })

  test('handles curly quotes, other scripts and empty text', () => {
    expect(tokenize('‘Ma’am,’ he said')).toEqual(['‘', 'Ma’am', ',', '’', 'he', 'said'])
    expect(tokenize('Größe 42 日本')).toEqual(['Größe', '42', '日本'])
    expect(tokenize('  \n ')).toEqual([])
  })
})
