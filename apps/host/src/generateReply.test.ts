import { describe, expect, test } from 'vitest'
import type { ModelBackend } from './backends/ModelBackend.js'
import { generateReply } from './generateReply.js'

// A stub ModelBackend whose generate is given per test.
function stubBackend(generate: ModelBackend['generate']): ModelBackend {
  return { name: 'stub/model', contextWindow: 100, generate, countTokens: async () => 1 }
}

describe('generateReply (stub backends)', () => {
  test('stops taking tokens once the signal aborts, even from a backend that ignores it', async () => {
    const controller = new AbortController()
    const backend = stubBackend(async function* () {
      yield 'a'
      yield 'b'
      yield 'c'
    })
    const reply = await generateReply({
      backend,
      messages: [],
      maxTokens: 10,
      temperature: 0,
      signal: controller.signal,
      onToken: (token) => {
        if (token === 'b') controller.abort()
      },
    })
    expect(reply).toEqual({ content: 'ab', completionTokens: 2, finishReason: 'cancelled' })
  })

  test('a backend that throws after the abort is a cancel, not an error', async () => {
    const controller = new AbortController()
    const backend = stubBackend(async function* () {
      yield 'a'
      controller.abort()
      throw new Error('aborted')
    })
    const reply = await generateReply({
      backend,
      messages: [],
      maxTokens: 10,
      temperature: 0,
      signal: controller.signal,
    })
    expect(reply.finishReason).toBe('cancelled')
    expect(reply.content).toBe('a')
  })

  test('a backend that throws is an error with what was produced', async () => {
    const failure = new Error('down')
    const backend = stubBackend(async function* () {
      yield 'a'
      throw failure
    })
    const reply = await generateReply({
      backend,
      messages: [],
      maxTokens: 10,
      temperature: 0,
      signal: new AbortController().signal,
    })
    expect(reply).toEqual({
      content: 'a',
      completionTokens: 1,
      finishReason: 'error',
      error: failure,
    })
  })

  test('a backend that yields past maxTokens is cut off with length', async () => {
    const backend = stubBackend(async function* () {
      for (;;) yield 'x'
    })
    const reply = await generateReply({
      backend,
      messages: [],
      maxTokens: 3,
      temperature: 0,
      signal: new AbortController().signal,
    })
    expect(reply).toEqual({ content: 'xxx', completionTokens: 3, finishReason: 'length' })
  })
})
