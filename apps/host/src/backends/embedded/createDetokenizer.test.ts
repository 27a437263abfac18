import { describe, expect, test } from 'vitest'
import { createDetokenizer } from './createDetokenizer.js'

function detokenize(tokens: string[]): string {
  const detokenizer = createDetokenizer()
  return tokens.map((token) => detokenizer.push(token)).join('')
}

describe('createDetokenizer', () => {
  test('puts spaces between words and none around attached marks', () => {
    expect(detokenize(['‘', 'Oh', 'dear', '!', '’', 'said', 'the', 'Rabbit', '.'])).toBe(
      '‘Oh dear!’ said the Rabbit.',
    )
    expect(detokenize(['(', 'she', 'said', ')', 'no', '--', 'yes', ';', 'then'])).toBe(
      '(she said) no--yes; then',
    )
    expect(detokenize(['‘', 'Say', '“', 'How', 'doth', '”', '’'])).toBe('‘Say “How doth”’')
  })

  test('tracks open quotes and allows only well-formed ones', () => {
    const detokenizer = createDetokenizer()
    expect(detokenizer.quoteOpen).toBe(false)
    expect(detokenizer.allows('’')).toBe(false)
    expect(detokenizer.allows('‘')).toBe(true)
    detokenizer.push('‘')
    expect(detokenizer.quoteOpen).toBe(true)
    expect(detokenizer.allows('‘')).toBe(false)
    expect(detokenizer.allows('”')).toBe(false)
    expect(detokenizer.allows('“')).toBe(true)
    detokenizer.push('“')
    expect(detokenizer.allows('’')).toBe(false)
    expect(detokenizer.allows('”')).toBe(true)
    expect(detokenizer.allows('word')).toBe(true)
    detokenizer.push('”')
    detokenizer.push('’')
    expect(detokenizer.quoteOpen).toBe(false)
  })
})
