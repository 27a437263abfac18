import { type NgramModelData, paragraphBoundary } from './NgramModelData.js'
import { tokenize } from './tokenize.js'

/** Lines that are layout, not prose: the title line, chapter headings, rows of `*`. */
const layoutLine = /^\s*(?:\[.*\]|CHAPTER\b.*|[*\s]+)\s*$/

/**
 * A straight quote that opens: at the start or after a space, bracket or dash, before a non-space.
 * Opening and closing quotes become different tokens (curly quotes), so the model learns where
 * each goes and a reply's quotes pair up; apostrophes inside words are not touched.
 */
const openingQuote = /(?<=^|[\s([{—-])['"](?=\S)/g
/** A straight quote left once the opening ones are replaced, unless it is inside a word: it closes. */
const closingQuote = /(?<![\p{L}\p{N}])'|'(?![\p{L}\p{N}])|"/gu

/**
 * Trains the embedded trigram model: tokenizes each paragraph of the corpus (dialogue quotes made
 * curly, see above), pads it with two
 * {@link paragraphBoundary} tokens in front and one behind, and counts every trigram.
 *
 * @param corpus - plain text; paragraphs are separated by blank lines.
 * @returns the vocabulary (ids by first appearance, the boundary first) and trigram counts.
 * @throws {RangeError} when the corpus has no words.
 *
 * @example
 * ```ts
 * import { trainNgramModel } from './trainNgramModel.js'
 *
 * const data = trainNgramModel('Alice was beginning to get very tired.')
 * ```
 */
export function trainNgramModel(corpus: string): NgramModelData {
  const ids = new Map<string, number>([[paragraphBoundary, 0]])
  const vocabulary = [paragraphBoundary]
  const idOf = (token: string): number => {
    let id = ids.get(token)
    if (id === undefined) {
      id = vocabulary.length
      ids.set(token, id)
      vocabulary.push(token)
    }
    return id
  }

  const paragraphs: number[][] = []
  for (const paragraph of corpus.split(/\r?\n\s*\r?\n/)) {
    const prose = paragraph
      .split(/\r?\n/)
      .filter((line) => !layoutLine.test(line))
      .join(' ')
      .replaceAll('_', '')
      .replace(openingQuote, (quote) => (quote === "'" ? '‘' : '“'))
      .replace(closingQuote, (quote) => (quote === "'" ? '’' : '”'))
    const tokens = tokenize(prose)
    if (tokens.length > 0) paragraphs.push([0, 0, ...tokens.map(idOf), 0])
  }
  if (vocabulary.length === 1) throw new RangeError('The corpus has no words to train on')

  const size = vocabulary.length
  // One number per trigram, u·size² + v·size + w: exact while size³ < 2⁵³ (size < 208,000).
  const counts = new Map<number, number>()
  for (const sequence of paragraphs) {
    for (let index = 2; index < sequence.length; index++) {
      const key =
        ((sequence[index - 2] as number) * size + (sequence[index - 1] as number)) * size +
        (sequence[index] as number)
      counts.set(key, (counts.get(key) ?? 0) + 1)
    }
  }

  const trigrams: number[] = []
  for (const key of [...counts.keys()].sort((a, b) => a - b)) {
    const w = key % size
    const v = Math.floor(key / size) % size
    const u = Math.floor(key / (size * size))
    trigrams.push(u, v, w, counts.get(key) as number)
  }
  return { format: 'fabstir-ngram', version: 1, order: 3, vocabulary, trigrams }
}
