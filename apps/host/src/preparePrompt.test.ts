import { describe, expect, test } from 'vitest'
import type { ModelBackend } from './backends/ModelBackend.js'
import { countMessages, preparePrompt } from './preparePrompt.js'

// A stub ModelBackend that counts words and never generates.
function stubBackend(contextWindow: number): ModelBackend {
  return {
    name: 'stub/model',
    contextWindow,
    generate: async function* () {},
    countTokens: async (text) => text.split(' ').filter(Boolean).length,
  }
}

describe('preparePrompt (stub backend)', () => {
  test('keeps up to half the window free for the reply, less if fewer tokens are asked for', async () => {
    const backend = stubBackend(10)
    const history = await countMessages(backend, [
      { role: 'user', content: 'a b c' },
      { role: 'assistant', content: 'd e f' },
    ])
    const small = await preparePrompt({ backend, history, content: 'g', maxTokens: 2 })
    expect(small).toMatchObject({ tokens: 7, truncated: false, maxTokens: 2 })
    const large = await preparePrompt({ backend, history, content: 'g', maxTokens: 100 })
    expect(large).toMatchObject({ tokens: 1, truncated: true, maxTokens: 9 })
  })

  test('CONTEXT_TOO_LARGE when nothing is left for the reply', async () => {
    await expect(
      preparePrompt({ backend: stubBackend(1), history: [], content: 'a', maxTokens: 1 }),
    ).rejects.toMatchObject({ code: 'CONTEXT_TOO_LARGE' })
  })

  test('countMessages keeps only role and content', async () => {
    const counted = await countMessages(stubBackend(10), [
      { role: 'user', content: 'a b', extra: true } as never,
    ])
    expect(counted).toEqual([{ role: 'user', content: 'a b', tokens: 2 }])
  })
})
