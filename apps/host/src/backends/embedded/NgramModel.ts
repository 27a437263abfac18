import type { NgramModelData } from './NgramModelData.js'

/** Followers of one context: token ids and their (raw or continuation) counts. */
type Continuations = {
  next: Int32Array
  counts: Int32Array
  /** Sum of `counts`. */
  total: number
}

/**
 * A trigram language model with interpolated Kneser–Ney smoothing (Chen & Goodman 1998): the
 * trigram level discounts raw counts, the bigram and unigram levels use continuation counts
 * (in how many distinct contexts a word follows), and each level hands its discounted mass to
 * the level below. Discounts are estimated from the counts as `n1 / (n1 + 2·n2)`.
 */
export class NgramModel {
  /** Token of each id; id 0 is the paragraph boundary. */
  readonly vocabulary: readonly string[]
  readonly #ids: Map<string, number>
  readonly #trigrams = new Map<number, Continuations>()
  readonly #bigrams = new Map<number, Continuations>()
  readonly #unigram: Float64Array
  readonly #trigramDiscount: number
  readonly #bigramDiscount: number

  /**
   * @param data - vocabulary and trigram counts, as {@link trainNgramModel} makes them or a
   *   model file holds them (checked with `assertNgramModelData`).
   */
  constructor(data: NgramModelData) {
    this.vocabulary = data.vocabulary
    this.#ids = new Map(data.vocabulary.map((token, id) => [token, id]))
    const size = data.vocabulary.length
    const { trigrams } = data

    const trigramLists = new Map<number, number[]>()
    // Continuation count of bigram (v, w): in how many distinct contexts u it was seen.
    const bigramContinuations = new Map<number, number>()
    const trigramCountOfCount = [0, 0, 0]
    for (let index = 0; index < trigrams.length; index += 4) {
      const [u, v, w, count] = trigrams.slice(index, index + 4) as [number, number, number, number]
      push(trigramLists, u * size + v, w, count)
      const bigram = v * size + w
      bigramContinuations.set(bigram, (bigramContinuations.get(bigram) ?? 0) + 1)
      if (count <= 2) trigramCountOfCount[count] = (trigramCountOfCount[count] ?? 0) + 1
    }
    for (const [context, list] of trigramLists) this.#trigrams.set(context, toContinuations(list))

    const bigramLists = new Map<number, number[]>()
    const unigramContinuations = new Float64Array(size)
    const bigramCountOfCount = [0, 0, 0]
    for (const [bigram, count] of bigramContinuations) {
      const v = Math.floor(bigram / size)
      const w = bigram % size
      push(bigramLists, v, w, count)
      unigramContinuations[w] = (unigramContinuations[w] ?? 0) + 1
      if (count <= 2) bigramCountOfCount[count] = (bigramCountOfCount[count] ?? 0) + 1
    }
    for (const [context, list] of bigramLists) this.#bigrams.set(context, toContinuations(list))

    const unigramTotal = unigramContinuations.reduce((sum, count) => sum + count, 0)
    this.#unigram = unigramContinuations.map((count) => count / unigramTotal)
    this.#trigramDiscount = discount(trigramCountOfCount)
    this.#bigramDiscount = discount(bigramCountOfCount)
  }

  /**
   * Id of a token, if the vocabulary has it.
   *
   * @param token - one token from {@link tokenize}.
   */
  idOf(token: string): number | undefined {
    return this.#ids.get(token)
  }

  /**
   * Kneser–Ney unigram probability of a token: the share of distinct contexts it follows, so a
   * word seen often but only after one other word counts little.
   *
   * @param id - a token id.
   */
  unigramProbability(id: number): number {
    return this.#unigram[id] ?? 0
  }

  /**
   * Probability of every vocabulary token following the context `u v`.
   *
   * @param u - id of the token two back.
   * @param v - id of the previous token.
   * @returns a distribution over token ids that sums to 1.
   */
  nextTokenDistribution(u: number, v: number): Float64Array {
    const size = this.vocabulary.length
    const distribution = Float64Array.from(this.#unigram)
    interpolate(distribution, this.#bigrams.get(v), this.#bigramDiscount)
    interpolate(distribution, this.#trigrams.get(u * size + v), this.#trigramDiscount)
    return distribution
  }
}

function push(lists: Map<number, number[]>, context: number, next: number, count: number): void {
  const list = lists.get(context)
  if (list) list.push(next, count)
  else lists.set(context, [next, count])
}

function toContinuations(list: number[]): Continuations {
  const next = new Int32Array(list.length / 2)
  const counts = new Int32Array(list.length / 2)
  let total = 0
  for (let index = 0; index < next.length; index++) {
    next[index] = list[2 * index] as number
    counts[index] = list[2 * index + 1] as number
    total += counts[index] as number
  }
  return { next, counts, total }
}

/** Ney's estimate from how many n-grams were seen once (n1) and twice (n2). */
function discount([, n1 = 0, n2 = 0]: number[]): number {
  return n1 + n2 === 0 ? 0.75 : n1 / (n1 + 2 * n2)
}

/**
 * Turns the lower-order distribution in `distribution` into this order's, in place:
 * `P(w) = max(c(w) - D, 0) / total + (D · types / total) · P_lower(w)`. An unseen context keeps
 * the lower order as it is.
 */
function interpolate(
  distribution: Float64Array,
  continuations: Continuations | undefined,
  discountValue: number,
): void {
  if (!continuations) return
  const { next, counts, total } = continuations
  const backoff = (discountValue * next.length) / total
  for (let id = 0; id < distribution.length; id++) {
    distribution[id] = (distribution[id] as number) * backoff
  }
  for (let index = 0; index < next.length; index++) {
    const id = next[index] as number
    distribution[id] =
      (distribution[id] as number) + Math.max((counts[index] as number) - discountValue, 0) / total
  }
}
