/**
 * A word with its inner apostrophes and hyphens (`don't`, `rabbit-hole`, `out-of-the-way`), a
 * dash (`--`), or any other single non-space character (punctuation, quotes, symbols).
 */
const tokenPattern = /[\p{L}\p{N}]+(?:['’-][\p{L}\p{N}]+)*|--|[^\s\p{L}\p{N}]/gu

/**
 * Splits text into the embedded model's tokens: words (with inner apostrophes and hyphens) and
 * punctuation marks, whitespace dropped. This is the model's real tokenizer: training, prompts
 * and `countTokens` all use it.
 *
 * @param text - any text.
 * @returns the tokens in order.
 *
 * @example
 * ```ts
 * import { tokenize } from './tokenize.js'
 *
 * tokenize("'Oh dear!' said the Rabbit.") // ["'", 'Oh', 'dear', '!', "'", 'said', 'the', 'Rabbit', '.']
 * ```
 */
export function tokenize(text: string): string[] {
  return text.match(tokenPattern) ?? []
}
