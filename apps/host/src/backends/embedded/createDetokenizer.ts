/** Marks that attach to the word before them: no space in front. */
const closingMarks = new Set(['.', ',', ';', ':', '!', '?', ')', ']', '}', '’', '”', '--'])
/** Marks that attach to the word after them: no space behind. */
const openingMarks = new Set(['(', '[', '{', '‘', '“', '--'])
/** Quotes the model writes: curly ones, as it was trained (a straight quote is punctuation). */
const quotePairs = new Map([
  ['‘', '’'],
  ['“', '”'],
])
const closingQuotes = new Set(quotePairs.values())

/** What {@link createDetokenizer} returns. */
export type Detokenizer = {
  /**
   * The text of the next token, with the space in front of it when one belongs there.
   *
   * @param token - one token of the model's vocabulary.
   */
  push(token: string): string
  /**
   * Whether `token` keeps the quotes well formed: a closing quote must close the innermost open
   * one, and a quote may not open inside a quote of its own kind.
   *
   * @param token - one token of the model's vocabulary.
   */
  allows(token: string): boolean
  /** Whether a quote is open, so a reply does not stop in the middle of one. */
  readonly quoteOpen: boolean
}

/**
 * Turns a stream of word-level tokens back into text one token at a time, so each streamed
 * piece carries its own leading space (as BPE tokens like `" the"` do).
 *
 * @returns a detokenizer that remembers whether the previous token attaches to the next one and
 *   which quotes are open.
 *
 * @example
 * ```ts
 * import { createDetokenizer } from './createDetokenizer.js'
 *
 * const detokenizer = createDetokenizer()
 * ;['‘', 'Oh', '!', '’', 'said', 'Alice'].map((token) => detokenizer.push(token)).join('')
 * // '‘Oh!’ said Alice'
 * ```
 */
export function createDetokenizer(): Detokenizer {
  // The first token, and any after an opening mark, takes no space.
  let attachNext = true
  const openQuotes: string[] = []

  return {
    push(token) {
      const spaced = !attachNext && !closingMarks.has(token)
      attachNext = openingMarks.has(token)
      const closes = quotePairs.get(openQuotes.at(-1) ?? '')
      if (quotePairs.has(token)) openQuotes.push(token)
      else if (token === closes) openQuotes.pop()
      return spaced ? ` ${token}` : token
    },
    allows(token) {
      if (quotePairs.has(token)) return !openQuotes.includes(token)
      if (closingQuotes.has(token)) return quotePairs.get(openQuotes.at(-1) ?? '') === token
      return true
    },
    get quoteOpen() {
      return openQuotes.length > 0
    },
  }
}
