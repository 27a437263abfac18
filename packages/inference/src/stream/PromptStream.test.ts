import { describe, expect, test, vi } from 'vitest'
import { StreamError } from '../errors/stream.js'
import { type PromptResult, PromptStream } from './PromptStream.js'

const result: PromptResult = {
  requestId: 'r1',
  content: 'abc',
  finishReason: 'stop',
  usage: { prompt_tokens: 1, completion_tokens: 3, total_tokens: 4 },
  transcriptHead: null,
  context: null,
  cached: false,
}

function create(maxBufferedParts = 2, maxBufferedBytes = 1024) {
  const onCancel = vi.fn()
  const { stream, controller } = PromptStream.create({
    requestId: 'r1',
    maxBufferedParts,
    maxBufferedBytes,
    onCancel,
  })
  return { stream, controller, onCancel }
}

describe('PromptStream', () => {
  test('a slow consumer gets merged text deltas beyond maxBufferedParts, nothing lost', async () => {
    const { stream, controller } = create(2)
    for (const text of ['a', 'b', 'c', 'd'])
      controller.push({ type: 'text-delta', text, tokens: 1 })
    controller.finish(result)
    const parts = []
    for await (const part of stream) parts.push(part)
    expect(parts).toEqual([
      { type: 'text-delta', text: 'a', tokens: 1 },
      { type: 'text-delta', text: 'bcd', tokens: 3 },
    ])
    await expect(stream.result).resolves.toBe(result)
  })

  test('the merge buffer is bounded by maxBufferedBytes: overflow fails with RESPONSE_TOO_LARGE and cancels', async () => {
    const { stream, controller, onCancel } = create(1, 8)
    controller.push({ type: 'text-delta', text: 'abc', tokens: 1 })
    controller.push({ type: 'text-delta', text: '€€', tokens: 2 }) // merged: 'abc€€' is 9 bytes > 8
    expect(controller.settled).toBe(true)
    expect(onCancel).toHaveBeenCalledTimes(1)
    controller.push({ type: 'text-delta', text: 'more', tokens: 1 }) // ignored: settled
    const iterator = stream[Symbol.asyncIterator]()
    await expect(iterator.next()).resolves.toMatchObject({ value: { text: 'abc' } })
    const error = await iterator.next().catch((caught: unknown) => caught)
    expect(StreamError.isInstance(error)).toBe(true)
    expect(error).toMatchObject({ code: 'RESPONSE_TOO_LARGE', requestId: 'r1', isRetryable: true })
    expect((error as Error).message).toContain('maxResponseBytes (8 bytes)')
    await expect(stream.result).rejects.toBe(error)
    stream.cancel() // already settled: no second cancel
    expect(onCancel).toHaveBeenCalledTimes(1)
  })

  test('reading a buffered part frees its bytes', async () => {
    const { stream, controller } = create(4, 4)
    const iterator = stream[Symbol.asyncIterator]()
    for (const text of ['abcd', 'efgh', 'ijkl']) {
      controller.push({ type: 'text-delta', text, tokens: 1 })
      await expect(iterator.next()).resolves.toMatchObject({ value: { text } })
    }
    controller.push({ type: 'text-delta', text: 'mnop', tokens: 1 })
    controller.finish(result)
    await expect(iterator.next()).resolves.toMatchObject({ value: { text: 'mnop' } })
    await expect(stream.result).resolves.toBe(result)
  })

  test('a failure is thrown after the buffered parts, unless they are discarded', async () => {
    const { stream, controller } = create()
    controller.push({ type: 'text-delta', text: 'a', tokens: 1 })
    const error = new Error('broken')
    controller.fail(error)
    controller.finish(result) // ignored: already settled
    const iterator = stream[Symbol.asyncIterator]()
    await expect(iterator.next()).resolves.toMatchObject({ value: { text: 'a' } })
    await expect(iterator.next()).rejects.toBe(error)
    await expect(iterator.next()).resolves.toEqual({ done: true, value: undefined })
    await expect(stream.result).rejects.toBe(error)

    const other = create()
    other.controller.push({ type: 'text-delta', text: 'a', tokens: 1 })
    other.controller.fail(error, { discardBuffered: true })
    await expect(other.stream[Symbol.asyncIterator]().next()).rejects.toBe(error)
  })

  test('a waiting consumer is woken by a part, the end, or a failure', async () => {
    const { stream, controller } = create()
    const iterator = stream[Symbol.asyncIterator]()
    const first = iterator.next()
    controller.push({ type: 'text-delta', text: 'a', tokens: 1 })
    await expect(first).resolves.toMatchObject({ value: { text: 'a' } })
    const second = iterator.next()
    controller.finish(result)
    await expect(second).resolves.toMatchObject({ done: true })

    const failing = create()
    const waiting = failing.stream[Symbol.asyncIterator]().next()
    const error = new Error('x')
    failing.controller.fail(error)
    await expect(waiting).rejects.toBe(error)
    expect(failing.controller.settled).toBe(true)
  })

  test('return() cancels an unfinished stream once; cancel after settling does nothing', async () => {
    const { stream, controller, onCancel } = create()
    const iterator = stream[Symbol.asyncIterator]()
    await iterator.return?.()
    stream.cancel()
    expect(onCancel).toHaveBeenCalledTimes(1)
    controller.push({ type: 'text-delta', text: 'late', tokens: 1 })
    await expect(iterator.next()).resolves.toMatchObject({ done: true })

    const finished = create()
    finished.controller.finish(result)
    finished.stream.cancel()
    expect(finished.onCancel).not.toHaveBeenCalled()
  })

  test('toReadableStream reads the parts and cancelling it cancels the prompt', async () => {
    const { stream, controller, onCancel } = create()
    controller.push({ type: 'text-delta', text: 'a', tokens: 1 })
    const reader = stream.toReadableStream().getReader()
    await expect(reader.read()).resolves.toMatchObject({ value: { text: 'a' } })
    await reader.cancel()
    expect(onCancel).toHaveBeenCalledTimes(1)
  })

  test('fromResult replays a complete answer', async () => {
    const stream = PromptStream.fromResult({ ...result, content: '' }, 0)
    const parts = []
    for await (const part of stream) parts.push(part)
    expect(parts).toEqual([])
    stream.cancel()
    await expect(stream.result).resolves.toMatchObject({ content: '' })
  })
})
