import { type ChatMessage, canonicalJson, type FinishReason, type Usage } from '@fabstir/protocol'
import { sha256 } from '@noble/hashes/sha2.js'
import { bytesToHex } from '@noble/hashes/utils.js'

/** @internal What the cache keeps of an answer. */
export type CachedAnswer = { content: string; finishReason: FinishReason; usage: Usage }

/**
 * @internal The cache key of a deterministic request: SHA-256 of the canonical JSON (RFC 8785) of
 * the model, the conversation it was asked in, the prompt and its parameters.
 */
export function responseCacheKey(request: {
  model: string
  context: readonly ChatMessage[]
  prompt: { content: string; maxTokens?: number; temperature?: number }
}): string {
  const { model, context, prompt } = request
  const canonical = canonicalJson({
    model,
    context: context.map(({ role, content }) => ({ role, content })),
    prompt: prompt.content,
    max_tokens: prompt.maxTokens ?? null,
    temperature: prompt.temperature ?? null,
  })
  return bytesToHex(sha256(new TextEncoder().encode(canonical)))
}

/** @internal A bounded map of answers, least recently used out first. */
export class ResponseCache {
  readonly #entries = new Map<string, CachedAnswer>()
  readonly #maxEntries: number

  constructor(maxEntries: number) {
    if (!Number.isInteger(maxEntries) || maxEntries < 1) {
      throw new RangeError('cache.maxEntries must be an integer ≥ 1')
    }
    this.#maxEntries = maxEntries
  }

  get(key: string): CachedAnswer | undefined {
    const entry = this.#entries.get(key)
    if (entry === undefined) return undefined
    this.#entries.delete(key)
    this.#entries.set(key, entry)
    return entry
  }

  set(key: string, answer: CachedAnswer): void {
    this.#entries.delete(key)
    this.#entries.set(key, answer)
    if (this.#entries.size > this.#maxEntries) {
      const oldest = this.#entries.keys().next()
      if (!oldest.done) this.#entries.delete(oldest.value)
    }
  }
}
