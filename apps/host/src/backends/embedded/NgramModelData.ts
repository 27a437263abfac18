/** Marks the start and end of a paragraph; a reply ends where the model predicts it. */
export const paragraphBoundary = '<p>'

/**
 * A trained trigram model as stored in its JSON file: the vocabulary and the count of every
 * trigram seen in training. Everything else (Kneser–Ney continuation counts and discounts) is
 * derived from these when the model is loaded.
 */
export type NgramModelData = {
  format: 'fabstir-ngram'
  version: 1
  order: 3
  /** Token of each id; id 0 is {@link paragraphBoundary}. */
  vocabulary: string[]
  /** Flat quadruples `[u, v, w, count, ...]` of token ids, sorted by `u`, `v`, `w`. */
  trigrams: number[]
}

/**
 * Checks that parsed JSON is a model file this code can read.
 *
 * @param value - the parsed contents of a model file.
 * @returns the value, typed.
 * @throws {TypeError} when the value is not a version-1 trigram model with consistent ids.
 */
export function assertNgramModelData(value: unknown): NgramModelData {
  const data = value as Partial<NgramModelData> | null
  if (
    typeof data !== 'object' ||
    data === null ||
    data.format !== 'fabstir-ngram' ||
    data.version !== 1 ||
    data.order !== 3 ||
    !Array.isArray(data.vocabulary) ||
    data.vocabulary[0] !== paragraphBoundary ||
    !data.vocabulary.every((token) => typeof token === 'string') ||
    !Array.isArray(data.trigrams) ||
    data.trigrams.length % 4 !== 0
  ) {
    throw new TypeError('Not a fabstir-ngram version 1 trigram model')
  }
  const size = data.vocabulary.length
  for (let index = 0; index < data.trigrams.length; index += 4) {
    for (let offset = 0; offset < 3; offset++) {
      const id = data.trigrams[index + offset]
      if (!Number.isInteger(id) || (id as number) < 0 || (id as number) >= size) {
        throw new TypeError(`Trigram ${index / 4} has a token id outside the vocabulary`)
      }
    }
    const count = data.trigrams[index + 3]
    if (!Number.isInteger(count) || (count as number) < 1) {
      throw new TypeError(`Trigram ${index / 4} has a count that is not a positive integer`)
    }
  }
  return data as NgramModelData
}
