import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises'
import type { ChatMessage } from '@fabstir/protocol'
import { createDetokenizer } from './embedded/createDetokenizer.js'
import { createPrng } from './embedded/createPrng.js'
import { loadNgramModel } from './embedded/loadNgramModel.js'
import type { NgramModel } from './embedded/NgramModel.js'
import { tokenize } from './embedded/tokenize.js'
import type { GenerateOptions, ModelBackend } from './ModelBackend.js'
import { validateGenerateOptions } from './validateGenerateOptions.js'

/** Options of {@link createEmbeddedBackend}. */
export type CreateEmbeddedBackendOptions = {
  /** Seeds sampling at temperature > 0; the same seed and messages give the same reply. @default 0 */
  seed?: number
  /** The model's `"repo/file"` name. @default 'fabstir/ngram-trigram.json' */
  name?: string
  /** Largest context in the model's tokens, as the host advertises it. @default 2048 */
  contextWindow?: number
  /** The model file the build writes. @default `dist/ngram-trigram.json` of the host package */
  modelPath?: string
  /** The corpus trained on when the model file is absent. @default `corpus/carroll-alice.txt` */
  corpusPath?: string
  /**
   * Pause after each token, to stream at the pace of a model on a GPU (demos, failover tests);
   * 0 streams as fast as the model runs. @default 0
   */
  tokenDelayMs?: number
}

/** What {@link createEmbeddedBackend} returns. */
export type CreateEmbeddedBackendReturnType = ModelBackend

/** A reply has at least this many tokens before the model may end it. */
const minReplyTokens = 8
/** Past this many tokens, a reply ends at the next sentence end outside quotes. */
const targetReplyTokens = 40
/**
 * Factor on the probability of a word of the conversation (per mention, the last user message
 * counting twice), like a logit bias: it favours the topic where the trigram model finds the
 * word plausible, and barely anywhere else.
 */
const cacheBoost = 4
/** Factor on a token that would repeat a trigram of this reply, against greedy loops. */
const repeatPenalty = 0.05
/** Words this common in the corpus carry no topic, so the cache leaves them out. */
const commonWordProbability = 0.002
/** Only this many recent messages feed the cache; the last user message counts double. */
const recentMessages = 4
const sentenceEnds = new Set(['.', '!', '?'])
const boundary = 0

/**
 * The host's default model, which needs no download: a word-level trigram model with
 * interpolated Kneser–Ney smoothing, trained on *Alice's Adventures in Wonderland* (public
 * domain, shipped in `corpus/`). It loads `dist/ngram-trigram.json` written by the build, or
 * trains from the corpus in process (about a tenth of a second) when that file is absent; the
 * load happens on first use and is shared.
 *
 * A reply starts a new paragraph and is conditioned on the conversation through a cache model:
 * uncommon words of the recent messages (the last user message most) get extra probability. At
 * temperature 0 it is greedy; above, it samples from `p^(1/temperature)` with a PRNG seeded by
 * `seed` and the messages, so the same input gives the same reply. It ends where the model
 * predicts a paragraph end (after at least 8 tokens), at the first sentence end past 40 tokens,
 * or at `maxTokens`.
 *
 * @param options - seed, name, context window and where the model comes from.
 * @returns a {@link ModelBackend} whose tokenizer is the model's own word-level one.
 * @throws {RangeError} when `contextWindow` is not a positive integer or `seed` is not finite.
 *
 * @example
 * ```ts
 * import { createEmbeddedBackend } from './backends/embedded.js'
 *
 * const backend = createEmbeddedBackend({ seed: 7 })
 * const messages = [{ role: 'user', content: 'Tell me about the Queen.' }] as const
 * for await (const text of backend.generate(messages, { maxTokens: 64, temperature: 0.8 })) {
 *   process.stdout.write(text)
 * }
 * ```
 */
export function createEmbeddedBackend({
  seed = 0,
  name = 'fabstir/ngram-trigram.json',
  contextWindow = 2048,
  modelPath,
  corpusPath,
  tokenDelayMs = 0,
}: CreateEmbeddedBackendOptions = {}): CreateEmbeddedBackendReturnType {
  if (!Number.isInteger(contextWindow) || contextWindow < 1) {
    throw new RangeError(`contextWindow must be a positive integer, got ${contextWindow}`)
  }
  if (!Number.isFinite(seed)) throw new RangeError(`seed must be a finite number, got ${seed}`)
  if (!(tokenDelayMs >= 0)) {
    throw new RangeError(`tokenDelayMs must be a non-negative number, got ${tokenDelayMs}`)
  }
  const paths = {
    ...(modelPath === undefined ? {} : { modelPath }),
    ...(corpusPath === undefined ? {} : { corpusPath }),
  }

  return {
    name,
    contextWindow,
    generate(messages, options) {
      validateGenerateOptions(options)
      return generate(messages, options)
    },
    async countTokens(text) {
      return tokenize(text).length
    },
  }

  async function* generate(
    messages: readonly ChatMessage[],
    { maxTokens, temperature, signal }: GenerateOptions,
  ): AsyncGenerator<string> {
    if (maxTokens === 0 || signal?.aborted) return
    const { model } = await loadNgramModel(paths)
    const cache = conversationCache(model, messages)
    const random = createPrng(seed, JSON.stringify(messages))
    const detokenizer = createDetokenizer()
    const size = model.vocabulary.length
    const quoteIds = ['‘', '’', '“', '”'].flatMap((quote) => model.idOf(quote) ?? [])
    // Tokens already generated after each context `u v`, keyed u·size + v.
    const seen = new Map<number, Set<number>>()
    let [u, v] = [boundary, boundary]

    for (let count = 0; count < maxTokens; count++) {
      if (signal?.aborted) return
      const distribution = model.nextTokenDistribution(u, v)
      boostCache(distribution, cache)
      for (const id of seen.get(u * size + v) ?? []) {
        distribution[id] = (distribution[id] as number) * repeatPenalty
      }
      // The paragraph, and so the reply, may not end this early or inside a quote.
      if (count < minReplyTokens || detokenizer.quoteOpen) distribution[boundary] = 0
      for (const id of quoteIds)
        if (!detokenizer.allows(model.vocabulary[id] as string)) distribution[id] = 0
      const next =
        temperature === 0 ? argmax(distribution) : sample(distribution, temperature, random)
      if (next === boundary) return

      const token = model.vocabulary[next] as string
      yield detokenizer.push(token)
      const context = u * size + v
      seen.set(context, (seen.get(context) ?? new Set()).add(next))
      cache.delete(next)
      ;[u, v] = [v, next]
      if (count + 1 >= targetReplyTokens && sentenceEnds.has(token) && !detokenizer.quoteOpen) {
        return
      }
      // Let the event loop run between tokens: generation is CPU work.
      if (tokenDelayMs === 0) await nextTurn()
      else await sleep(tokenDelayMs, undefined, signal ? { signal } : {}).catch(() => undefined)
    }
  }
}

/** Uncommon in-vocabulary words of the recent messages, weighted (the last user message ×2). */
function conversationCache(
  model: NgramModel,
  messages: readonly ChatMessage[],
): Map<number, number> {
  const cache = new Map<number, number>()
  const recent = messages.slice(-recentMessages)
  let lastUser = -1
  recent.forEach((message, index) => {
    if (message.role === 'user') lastUser = index
  })
  recent.forEach((message, index) => {
    for (const token of tokenize(message.content)) {
      if (!/\p{L}/u.test(token)) continue
      for (const form of new Set([token, token.toLowerCase()])) {
        const id = model.idOf(form)
        if (id === undefined || model.unigramProbability(id) > commonWordProbability) continue
        cache.set(id, (cache.get(id) ?? 0) + (index === lastUser ? 2 : 1))
      }
    }
  })
  return cache
}

/** Multiplies the probability of the conversation's words; the caller renormalises. */
function boostCache(distribution: Float64Array, cache: Map<number, number>): void {
  for (const [id, weight] of cache) {
    distribution[id] = (distribution[id] as number) * cacheBoost ** weight
  }
}

function argmax(distribution: Float64Array): number {
  let best = 0
  for (let id = 1; id < distribution.length; id++) {
    if ((distribution[id] as number) > (distribution[best] as number)) best = id
  }
  return best
}

/** Samples from `p^(1/temperature)`, renormalised; scaled by the largest `p` so it cannot underflow. */
function sample(distribution: Float64Array, temperature: number, random: () => number): number {
  const best = argmax(distribution)
  const largest = distribution[best] as number
  const exponent = 1 / temperature
  let total = 0
  for (let id = 0; id < distribution.length; id++) {
    const weight = ((distribution[id] as number) / largest) ** exponent
    distribution[id] = weight
    total += weight
  }
  let remaining = random() * total
  for (let id = 0; id < distribution.length; id++) {
    remaining -= distribution[id] as number
    if (remaining < 0) return id
  }
  // Rounding can leave a sliver of `remaining`; the most likely token takes it.
  return best
}
