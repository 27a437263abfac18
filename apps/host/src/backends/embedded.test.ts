import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { ChatMessage } from '@fabstir/protocol'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { corpusFileName, loadNgramModel, packageRoot } from './embedded/loadNgramModel.js'
import { tokenize } from './embedded/tokenize.js'
import { writeNgramModelFile } from './embedded/writeNgramModelFile.js'
import { createEmbeddedBackend } from './embedded.js'

const corpusPath = join(packageRoot(), 'corpus', corpusFileName)
const messages: ChatMessage[] = [
  { role: 'system', content: 'You are a storyteller.' },
  { role: 'user', content: 'Tell me about the Queen and the croquet game.' },
]

let directory: string
let modelPath: string
beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'fabstir-embedded-'))
  modelPath = join(directory, 'ngram-trigram.json')
  await writeNgramModelFile({ corpusPath, modelPath })
})
afterAll(() => rm(directory, { recursive: true, force: true }))

/** A backend on the model file written above, so tests do not depend on a build. */
function backend(options: { seed?: number; tokenDelayMs?: number } = {}) {
  return createEmbeddedBackend({ ...options, modelPath, corpusPath })
}

async function collect(iterable: AsyncIterable<string>): Promise<string[]> {
  const pieces: string[] = []
  for await (const piece of iterable) pieces.push(piece)
  return pieces
}

describe('createEmbeddedBackend', () => {
  test('has a repo/file name and a context window', () => {
    const defaults = createEmbeddedBackend()
    expect(defaults.name).toBe('fabstir/ngram-trigram.json')
    expect(defaults.contextWindow).toBe(2048)
    const custom = createEmbeddedBackend({ name: 'me/alice.json', contextWindow: 512 })
    expect(custom).toMatchObject({ name: 'me/alice.json', contextWindow: 512 })
  })

  test('streams one token per item, made of corpus tokens', async () => {
    const { model } = await loadNgramModel({ modelPath, corpusPath })
    const pieces = await collect(backend().generate(messages, { maxTokens: 60, temperature: 0.8 }))
    expect(pieces.length).toBeGreaterThanOrEqual(8)
    for (const piece of pieces) {
      const tokens = tokenize(piece)
      expect(tokens).toHaveLength(1)
      expect(model.idOf(tokens[0] as string)).toBeDefined()
    }
    expect(pieces[0]).not.toMatch(/^\s/)
    expect(pieces.join('')).toMatch(/\p{L}/u)
  })

  test('is deterministic for a seed and input, greedy at temperature 0', async () => {
    const run = (seed: number, temperature: number, input = messages) =>
      collect(backend({ seed }).generate(input, { maxTokens: 40, temperature }))
    expect(await run(1, 0.9)).toEqual(await run(1, 0.9))
    // Greedy ignores the seed.
    expect(await run(1, 0)).toEqual(await run(2, 0))
    // Sampling differs across seeds (true for these seeds; checked once, then fixed).
    const seeds = await Promise.all([1, 2, 3, 4].map((seed) => run(seed, 1)))
    expect(new Set(seeds.map((pieces) => pieces.join(''))).size).toBeGreaterThan(1)
  })

  test('the conversation steers the reply', async () => {
    const about = (content: string) =>
      collect(backend().generate([{ role: 'user', content }], { maxTokens: 40, temperature: 0 }))
    const [queen, dream] = await Promise.all([
      about('Tell me about the Queen and the croquet game.'),
      about('What a curious dream!'),
    ])
    expect(queen.join('')).not.toBe(dream.join(''))
  })

  test('stops at maxTokens', async () => {
    for (const maxTokens of [0, 1, 5]) {
      const pieces = await collect(backend().generate(messages, { maxTokens, temperature: 1 }))
      expect(pieces).toHaveLength(maxTokens)
    }
  })

  test('ends a reply by itself, with its quotes closed', async () => {
    const replies = await Promise.all(
      [1, 2, 3, 4, 5].map((seed) =>
        collect(backend({ seed }).generate(messages, { maxTokens: 400, temperature: 0.7 })),
      ),
    )
    for (const pieces of replies) {
      expect(pieces.length).toBeGreaterThanOrEqual(8)
      expect(pieces.length).toBeLessThan(400)
      const text = pieces.join('')
      expect(text.split('‘').length).toBe(text.split('’').length)
    }
  })

  test('abort ends the stream early without an error', async () => {
    const controller = new AbortController()
    const pieces: string[] = []
    for await (const piece of backend().generate(messages, {
      maxTokens: 100,
      temperature: 0.5,
      signal: controller.signal,
    })) {
      pieces.push(piece)
      if (pieces.length === 3) controller.abort()
    }
    expect(pieces).toHaveLength(3)
    const aborted = backend().generate(messages, {
      maxTokens: 100,
      temperature: 0.5,
      signal: AbortSignal.abort(),
    })
    expect(await collect(aborted)).toEqual([])
  })

  test('yields to the event loop between tokens', async () => {
    let ranBetween = false
    const seen: boolean[] = []
    for await (const _ of backend().generate(messages, { maxTokens: 10, temperature: 0.5 })) {
      seen.push(ranBetween)
      // Queued now, it runs before the next token only if the generator yields to the loop.
      ranBetween = false
      setImmediate(() => {
        ranBetween = true
      })
    }
    expect(seen.slice(1).every(Boolean)).toBe(true)
  })

  test('tokenDelayMs paces the stream without changing it, and abort cuts the pause short', async () => {
    const paced = await collect(
      backend({ tokenDelayMs: 2 }).generate(messages, { maxTokens: 12, temperature: 0.8 }),
    )
    const fast = await collect(backend().generate(messages, { maxTokens: 12, temperature: 0.8 }))
    expect(paced).toEqual(fast)
    const controller = new AbortController()
    const pieces: string[] = []
    for await (const piece of backend({ tokenDelayMs: 60_000 }).generate(messages, {
      maxTokens: 5,
      temperature: 0.8,
      signal: controller.signal,
    })) {
      pieces.push(piece)
      controller.abort()
    }
    expect(pieces).toHaveLength(1)
  })

  test('counts tokens with its own tokenizer', async () => {
    const embedded = backend()
    expect(await embedded.countTokens('')).toBe(0)
    expect(await embedded.countTokens("'Oh dear!' said the White Rabbit.")).toBe(10)
    expect(await embedded.countTokens('out-of-the-way   things')).toBe(2)
  })

  test('trains from the corpus when there is no model file', async () => {
    const missing = join(directory, 'absent.json')
    const loaded = await loadNgramModel({ modelPath: missing, corpusPath })
    expect(loaded.source).toBe('corpus')
    const fromFile = await loadNgramModel({ modelPath, corpusPath })
    expect(fromFile.source).toBe('file')
    expect(loaded.model.vocabulary).toEqual(fromFile.model.vocabulary)
    const trained = createEmbeddedBackend({ modelPath: missing, corpusPath })
    const fromBuild = backend()
    const input = { maxTokens: 20, temperature: 0 }
    expect(await collect(trained.generate(messages, input))).toEqual(
      await collect(fromBuild.generate(messages, input)),
    )
  })

  test('a broken model file is an error, and is not cached', async () => {
    const broken = join(directory, 'broken.json')
    await writeFile(broken, JSON.stringify({ format: 'other' }))
    const embedded = createEmbeddedBackend({ modelPath: broken, corpusPath })
    await expect(
      collect(embedded.generate(messages, { maxTokens: 5, temperature: 0 })),
    ).rejects.toThrow(TypeError)
    await writeNgramModelFile({ corpusPath, modelPath: broken })
    expect(
      await collect(embedded.generate(messages, { maxTokens: 5, temperature: 0 })),
    ).toHaveLength(5)
  })

  test('validates its options', () => {
    expect(() => createEmbeddedBackend({ contextWindow: 0 })).toThrow(RangeError)
    expect(() => createEmbeddedBackend({ seed: Number.POSITIVE_INFINITY })).toThrow(RangeError)
    expect(() => createEmbeddedBackend({ tokenDelayMs: -1 })).toThrow(RangeError)
    const embedded = backend()
    expect(() => embedded.generate(messages, { maxTokens: 1.5, temperature: 0 })).toThrow(
      RangeError,
    )
    expect(() => embedded.generate(messages, { maxTokens: 1, temperature: -1 })).toThrow(RangeError)
  })
})
