import type { AddressInfo } from 'node:net'
import { createServer, type Socket } from 'node:net'
import { encodeMessage, isAbortError, type PromptMessage, ProtocolError } from '@fabstir/protocol'
import { describe, expect, test, vi } from 'vitest'
import {
  ConnectionError,
  HostError,
  InferenceManager,
  type InferenceManagerInit,
  type PromptStream,
  type PromptStreamPart,
  SessionError,
  StreamError,
} from '../src/index.js'
import { webSocket } from '../src/node.js'
import { createManager, deferred, nextEvent } from './managerHelpers.js'
import {
  forEachUntilClosed,
  type ScriptedConnection,
  type ScriptedHost,
  sendChunks,
  serveSession,
  sessionReady,
  startScriptedHost,
  Transcript,
} from './startScriptedHost.js'

const sessionId = '7'
const sessionOptions = { chainId: 84532, model: 'repo/model.gguf' }

async function connect(
  host: ScriptedHost,
  overrides: InferenceManagerInit = {},
  id = sessionId,
): Promise<InferenceManager> {
  const manager = createManager(overrides)
  await manager.connectToSession(id, host.url, id)
  await manager.initializeSession(id, sessionOptions)
  return manager
}

/** The WebSocket session URL of a scripted host. */
function wsBase(host: ScriptedHost): string {
  return `${host.url.replace(/^http/, 'ws')}/v1/session`
}

async function collect(stream: PromptStream): Promise<PromptStreamPart[]> {
  const parts: PromptStreamPart[] = []
  for await (const part of stream) parts.push(part)
  return parts
}

/** Answers the handshake of a connection (init or resume) and returns the message. */
async function handshake(connection: ScriptedConnection) {
  const message = await connection.next()
  if (message.type !== 'session_init' && message.type !== 'session_resume') {
    throw new Error(`expected a handshake, got ${message.type}`)
  }
  connection.send(sessionReady(message.session_id, { resumed: message.type === 'session_resume' }))
  return message
}

describe('InferenceManager against a scripted ws host', () => {
  test('init → prompt → chunks → result with usage and transcript head', async () => {
    const transcript = new Transcript()
    await using host = await startScriptedHost((connection) =>
      serveSession(connection, (prompt) => ['echo: ', prompt.content], transcript),
    )
    const manager = createManager()
    const events: string[] = []
    for (const type of ['connecting', 'ready', 'reconnecting', 'closed'] as const) {
      manager.addEventListener(type, () => events.push(type))
    }
    await manager.connectToSession(sessionId, host.url, sessionId)
    expect(manager.getSessionState(sessionId)).toBe('open')
    await manager.initializeSession(sessionId, { ...sessionOptions, token: 'jwt-token' })
    expect(manager.getSessionState(sessionId)).toBe('ready')

    const stream = manager.sendPrompt(sessionId, 'Hello', { maxTokens: 20, temperature: 0.7 })
    expect(await collect(stream)).toEqual([
      { type: 'text-delta', text: 'echo: ', tokens: 1 },
      { type: 'text-delta', text: 'Hello', tokens: 1 },
    ])
    const result = await stream.result
    expect(result).toMatchObject({
      requestId: stream.requestId,
      content: 'echo: Hello',
      finishReason: 'stop',
      usage: { prompt_tokens: 5, completion_tokens: 11, total_tokens: 16 },
      transcriptHead: transcript.head,
      context: { messages: 2, tokens: 16, truncated: false },
      cached: false,
    })
    const [init, prompt] = host.received
    expect(init).toMatchObject({
      type: 'session_init',
      session_id: sessionId,
      message_index: 1,
      token: 'jwt-token',
      job_id: sessionId,
      chain_id: 84532,
      model: 'repo/model.gguf',
      compression: ['gzip', 'deflate-raw'],
    })
    expect(prompt).toMatchObject({
      type: 'prompt',
      message_index: 2,
      content: 'Hello',
      max_tokens: 20,
      temperature: 0.7,
    })
    expect(manager.getConversation(sessionId)).toEqual([
      { role: 'user', content: 'Hello' },
      { role: 'assistant', content: 'echo: Hello' },
    ])
    expect(manager.getNextMessageIndex(sessionId)).toBe(3)
    expect(events).toEqual(['connecting', 'ready'])
    const listener = () => events.push('again')
    manager.addEventListener('closed', listener)
    manager.removeEventListener('closed', listener)
    await manager.stop()
    expect(events).toEqual(['connecting', 'ready', 'closed'])
  })

  test('the placeholder token is sent when none is given', async () => {
    await using host = await startScriptedHost((connection) => serveSession(connection))
    await using manager = await connect(host)
    expect(host.received[0]).toMatchObject({ type: 'session_init', token: 'development' })
    expect(manager.getSessionState(sessionId)).toBe('ready')
  })

  test('breaking out of for await cancels; the result is the host’s cancelled response', async () => {
    const transcript = new Transcript()
    await using host = await startScriptedHost(async (connection) => {
      await handshake(connection)
      const prompt = await connection.expect('prompt')
      sendChunks(connection, prompt, ['one ', 'two '])
      const cancel = await connection.expect('cancel')
      expect(cancel.request_id).toBe(prompt.request_id)
      connection.send(transcript.response(prompt, 'one two ', 'cancelled'))
      await serveSession(connection)
    })
    await using manager = await connect(host)
    const stream = manager.sendPrompt(sessionId, 'count')
    const seen: string[] = []
    for await (const part of stream) {
      seen.push(part.text)
      break
    }
    expect(seen).toEqual(['one '])
    await expect(stream.result).resolves.toMatchObject({
      finishReason: 'cancelled',
      content: 'one two ',
    })
    // The cancelled turn is in the history, as it is in the host's.
    expect(manager.getConversation(sessionId)).toHaveLength(2)
    expect(host.received.map((message) => message.message_index)).toEqual([1, 2, 3])
  })

  test('.cancel() of a sent prompt sends cancel; of a queued one settles locally', async () => {
    const transcript = new Transcript()
    await using host = await startScriptedHost(async (connection) => {
      await handshake(connection)
      const prompt = await connection.expect('prompt')
      await connection.expect('cancel')
      connection.send(transcript.response(prompt, '', 'cancelled'))
      await serveSession(connection)
    })
    await using manager = await connect(host, { maxPipelinedPrompts: 1 })
    const first = manager.sendPrompt(sessionId, 'first')
    const second = manager.sendPrompt(sessionId, 'second')
    second.cancel()
    await expect(second.result).resolves.toMatchObject({
      finishReason: 'cancelled',
      content: '',
      usage: { total_tokens: 0 },
      transcriptHead: null,
    })
    first.cancel()
    first.cancel()
    expect(await collect(first)).toEqual([])
    await expect(first.result).resolves.toMatchObject({ finishReason: 'cancelled' })
    expect(host.received.filter((message) => message.type === 'prompt')).toHaveLength(1)
    // The session keeps working.
    await expect(manager.sendPrompt(sessionId, 'third').result).resolves.toMatchObject({
      content: 'echo: third',
    })
  })

  test('an AbortSignal rejects the stream with signal.reason and cancels on the host', async () => {
    const transcript = new Transcript()
    /** Answers a prompt the client gave up on, once its `cancel` came, as a host does. */
    const answerCancelled = async (connection: ScriptedConnection, content: string) => {
      const prompt = await connection.expect('prompt')
      expect(prompt.content).toBe(content)
      await connection.expect('cancel')
      connection.send(transcript.response(prompt, '', 'cancelled'))
    }
    await using host = await startScriptedHost(async (connection) => {
      await handshake(connection)
      const prompt = await connection.expect('prompt')
      sendChunks(connection, prompt, ['partial'])
      await connection.expect('cancel')
      connection.send(transcript.response(prompt, 'partial', 'cancelled'))
      const next = await connection.expect('prompt')
      connection.send(transcript.response(next, `echo: ${next.content}`))
      // The host holds these answers until the client cancels, so the abort and the timeout
      // always come first, however slow the machine.
      await answerCancelled(connection, 'never')
      await answerCancelled(connection, 'slow')
      await serveSession(connection)
    })
    await using manager = await connect(host)
    const controller = new AbortController()
    const stream = manager.sendPrompt(sessionId, 'Hello', { signal: controller.signal })
    const reason = new Error('user left')
    const iterator = stream[Symbol.asyncIterator]()
    await expect(iterator.next()).resolves.toMatchObject({ value: { text: 'partial' } })
    controller.abort(reason)
    await expect(iterator.next()).rejects.toBe(reason)
    await expect(stream.result).rejects.toBe(reason)
    // The host's final response still lands in the history once it arrives.
    await expect(manager.sendPrompt(sessionId, 'next').result).resolves.toMatchObject({
      content: 'echo: next',
    })
    expect(manager.getConversation(sessionId).map((message) => message.content)).toEqual([
      'Hello',
      'partial',
      'next',
      'echo: next',
    ])

    const aborted = manager.sendPrompt(sessionId, 'never', { signal: AbortSignal.abort(reason) })
    await expect(aborted.result).rejects.toBe(reason)
    const timedOut = manager.sendPrompt(sessionId, 'slow', { timeoutMs: 0 })
    const error = await timedOut.result.catch((caught: unknown) => caught)
    expect(isAbortError(error)).toBe(true)
    expect(error).toMatchObject({ name: 'TimeoutError' })
    // Both cancelled answers still enter the conversation, as they do on the host.
    await expect(manager.sendPrompt(sessionId, 'after').result).resolves.toMatchObject({
      content: 'echo: after',
    })
    expect(manager.getConversation(sessionId).map((message) => message.content)).toEqual([
      'Hello',
      'partial',
      'next',
      'echo: next',
      'never',
      '',
      'slow',
      '',
      'after',
      'echo: after',
    ])
  })

  test('sendPrompts pipelines: all prompts are sent before the first answer, answers in order', async () => {
    const transcript = new Transcript()
    await using host = await startScriptedHost(async (connection) => {
      await handshake(connection)
      const prompts = [
        await connection.expect('prompt'),
        await connection.expect('prompt'),
        await connection.expect('prompt'),
      ]
      for (const prompt of prompts) {
        sendChunks(connection, prompt, [`re:${prompt.content}`])
        connection.send(transcript.response(prompt, `re:${prompt.content}`))
      }
      await serveSession(connection)
    })
    await using manager = await connect(host)
    const streams = manager.sendPrompts(sessionId, ['a', { content: 'b', maxTokens: 5 }, 'c'])
    const results = await Promise.all(streams.map((stream) => stream.result))
    expect(results.map((result) => result.content)).toEqual(['re:a', 're:b', 're:c'])
    expect(manager.getConversation(sessionId).map((message) => message.content)).toEqual([
      'a',
      're:a',
      'b',
      're:b',
      'c',
      're:c',
    ])
    expect(host.received.map((message) => message.message_index)).toEqual([1, 2, 3, 4])
    expect(() => manager.sendPrompts(sessionId, ['ok', { content: 'x', maxTokens: 0 }])).toThrow(
      RangeError,
    )
  })

  test('endSession sends session_end and resolves with session_closed usage', async () => {
    await using host = await startScriptedHost(async (connection) => {
      await handshake(connection)
      await connection.expect('prompt') // never answered
      await serveSession(connection)
    })
    const manager = await connect(host)
    const closed = nextEvent(manager, 'closed')
    const pending = manager.sendPrompt(sessionId, 'unanswered')
    await expect.poll(() => host.received.length).toBe(2)
    await expect(manager.endSession(sessionId)).resolves.toEqual({
      usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 },
    })
    await expect(pending.result).rejects.toMatchObject({
      code: 'STREAM_CLOSED',
      isRetryable: false,
    })
    expect((await closed).detail).toEqual({ sessionId, error: undefined })
    expect(host.received.at(-1)).toMatchObject({ type: 'session_end', message_index: 3 })
    expect(manager.getSessionState(sessionId)).toBeUndefined()
    expect(() => manager.sendPrompt(sessionId, 'late')).toThrow(SessionError)
  })

  test('the cache answers a repeated temperature-0 request and misses otherwise', async () => {
    await using host = await startScriptedHost((connection) => serveSession(connection))
    await using manager = createManager({ cache: { maxEntries: 10 } })
    for (const id of ['1', '2']) {
      await manager.connectToSession(id, host.url, id)
      await manager.initializeSession(id, sessionOptions)
    }
    const first = await manager.sendPrompt('1', 'What is 2+2?', { temperature: 0 }).result
    expect(first.cached).toBe(false)
    // Same model, same (empty) conversation, same prompt and parameters: a hit.
    const hit = manager.sendPrompt('2', 'What is 2+2?', { temperature: 0 })
    expect(await collect(hit)).toEqual([
      { type: 'text-delta', text: 'echo: What is 2+2?', tokens: first.usage.completion_tokens },
    ])
    await expect(hit.result).resolves.toMatchObject({
      cached: true,
      content: first.content,
      usage: first.usage,
      transcriptHead: null,
    })
    // Not added to the conversation: the host never saw it.
    expect(manager.getConversation('2')).toEqual([])
    const prompts = () => host.received.filter((message) => message.type === 'prompt').length
    expect(prompts()).toBe(1)
    // Misses: another temperature, other parameters, another conversation.
    await manager.sendPrompt('2', 'What is 2+2?', { temperature: 0.5 }).result
    expect(prompts()).toBe(2)
    await manager.sendPrompt('2', 'What is 2+2?', { temperature: 0, maxTokens: 3 }).result
    expect(prompts()).toBe(3)
    await manager.sendPrompt('1', 'What is 2+2?', { temperature: 0 }).result
    expect(prompts()).toBe(4)
  })
})

describe('InferenceManager faults', () => {
  test('host closing mid-stream: reconnect, session_resume with the history, no loss, no duplicates', async () => {
    const transcripts = [new Transcript(), new Transcript()]
    const clientHasChunks = deferred()
    let broken: PromptMessage | undefined
    await using host = await startScriptedHost(async (connection) => {
      if (connection.number === 0) {
        await handshake(connection)
        const warmup = await connection.expect('prompt')
        connection.send(transcripts[0]?.response(warmup, 'warm') as never)
        broken = await connection.expect('prompt')
        sendChunks(connection, broken, ['Hello', ' wor'])
        // Once the consumer has both chunks, drop the TCP connection without a close handshake.
        await clientHasChunks.promise
        connection.terminate()
        return
      }
      const resume = await connection.expect('session_resume')
      expect(resume.conversation_context).toEqual([
        { role: 'user', content: 'warm up' },
        { role: 'assistant', content: 'warm' },
      ])
      expect(resume.last_message_index).toBe(3)
      connection.send(sessionReady(resume.session_id, { resumed: true, context_messages: 2 }))
      const again = await connection.expect('prompt')
      expect(again.request_id).toBe(broken?.request_id)
      expect(again.content).toBe('tell me')
      // The host regenerates from the start, chunked differently.
      sendChunks(connection, again, ['Hel', 'lo wor', 'ld', '!'])
      connection.send(transcripts[1]?.response(again, 'Hello world!') as never)
      await serveSession(connection)
    })
    await using manager = await connect(host)
    await manager.sendPrompt(sessionId, 'warm up').result
    const reconnecting = nextEvent(manager, 'reconnecting')
    const ready = nextEvent(manager, 'ready')
    const stream = manager.sendPrompt(sessionId, 'tell me')
    const parts: string[] = []
    for await (const part of stream) {
      parts.push(part.text)
      if (parts.length === 2) clientHasChunks.resolve()
    }
    expect(parts).toEqual(['Hello', ' wor', 'ld', '!'])
    expect((await stream.result).content).toBe('Hello world!')
    expect((await reconnecting).detail).toMatchObject({ sessionId, attempt: 1 })
    expect(ConnectionError.isInstance((await reconnecting).detail.error)).toBe(true)
    expect((await ready).detail).toEqual({ sessionId, resumed: true, url: wsBase(host) })
    // message_index continues across the reconnect: init 1, prompts 2 and 3 | resume 4, prompt 5.
    expect(host.received.map((message) => [message.type, message.message_index])).toEqual([
      ['session_init', 1],
      ['prompt', 2],
      ['prompt', 3],
      ['session_resume', 4],
      ['prompt', 5],
    ])
    expect(manager.getConversation(sessionId)).toHaveLength(4)
    expect(manager.getSessionState(sessionId)).toBe('ready')
  })

  test('a host that cannot be reached again: the session moves to a fallback host and the stream continues', async () => {
    const clientHasChunks = deferred()
    await using first = await startScriptedHost(async (connection) => {
      await handshake(connection)
      const prompt = await connection.expect('prompt')
      sendChunks(connection, prompt, ['Hello', ' wor'])
      await clientHasChunks.promise
      // The host dies: its socket drops and nothing listens on its port any more.
      await first.kill()
    })
    await using fallback = await startScriptedHost(async (connection) => {
      const resume = await connection.expect('session_resume')
      // The fallback host issued its own token, through `authenticate`.
      expect(resume.token).toBe(`token for ${fallback.url}`)
      expect(resume.conversation_context).toEqual([])
      connection.send(sessionReady(resume.session_id, { resumed: true }))
      const again = await connection.expect('prompt')
      expect(again.content).toBe('tell me')
      sendChunks(connection, again, ['Hello wor', 'ld'])
      connection.send(new Transcript().response(again, 'Hello world') as never)
      await serveSession(connection)
    })
    await using manager = createManager({ retryDelayMs: 1 })
    await manager.connectToSession(sessionId, first.url, sessionId, undefined, {
      fallbackHostUrls: [fallback.url],
    })
    await manager.initializeSession(sessionId, {
      ...sessionOptions,
      authenticate: async (hostUrl) => ({ token: `token for ${hostUrl}` }),
    })
    const ready = nextEvent(manager, 'ready')
    const stream = manager.sendPrompt(sessionId, 'tell me')
    const parts: string[] = []
    for await (const part of stream) {
      parts.push(part.text)
      if (parts.length === 2) clientHasChunks.resolve()
    }
    expect(parts).toEqual(['Hello', ' wor', 'ld'])
    expect((await stream.result).content).toBe('Hello world')
    expect((await ready).detail).toEqual({ sessionId, resumed: true, url: wsBase(fallback) })
    expect(manager.getConversation(sessionId)).toEqual([
      { role: 'user', content: 'tell me' },
      { role: 'assistant', content: 'Hello world' },
    ])
  })

  test('a resumed answer that contradicts the delivered text fails with RESUME_DIVERGED', async () => {
    const transcript = new Transcript()
    const clientHasChunk = deferred()
    await using host = await startScriptedHost(async (connection) => {
      if (connection.number === 0) {
        await handshake(connection)
        const prompt = await connection.expect('prompt')
        sendChunks(connection, prompt, ['Hello'])
        await clientHasChunk.promise
        connection.terminate()
        return
      }
      await handshake(connection)
      const again = await connection.expect('prompt')
      sendChunks(connection, again, ['Goodbye'])
      const cancel = await connection.expect('cancel')
      expect(cancel.request_id).toBe(again.request_id)
      connection.send(transcript.response(again, 'Goodbye', 'cancelled'))
      await serveSession(connection)
    })
    await using manager = await connect(host)
    const stream = manager.sendPrompt(sessionId, 'hi')
    const seen: string[] = []
    const error = await (async () => {
      for await (const part of stream) {
        seen.push(part.text)
        clientHasChunk.resolve()
      }
    })().catch((caught: unknown) => caught)
    expect(seen).toEqual(['Hello'])
    expect(StreamError.isInstance(error)).toBe(true)
    expect(error).toMatchObject({ code: 'RESUME_DIVERGED', isRetryable: true })
    expect((error as Error).message).not.toContain('Goodbye')
    // The cancelled turn is recorded once its response arrives (the host holds it too).
    await expect.poll(() => manager.getConversation(sessionId).length).toBe(2)
  })

  test('garbage from the host fails the prompt with ProtocolError and the session reconnects', async () => {
    await using host = await startScriptedHost(async (connection) => {
      if (connection.number === 0) {
        await handshake(connection)
        await connection.expect('prompt')
        connection.sendRaw('this is not json')
        await connection.closed
        return
      }
      await serveSession(connection)
    })
    await using manager = await connect(host)
    const ready = nextEvent(manager, 'ready')
    const stream = manager.sendPrompt(sessionId, 'hi')
    const error = await stream.result.catch((caught: unknown) => caught)
    expect(ProtocolError.isInstance(error)).toBe(true)
    expect(error).toMatchObject({ code: 'BAD_MESSAGE' })
    await expect(collect(stream)).rejects.toBe(error)
    expect((await ready).detail.resumed).toBe(true)
    await expect(manager.sendPrompt(sessionId, 'again').result).resolves.toMatchObject({
      content: 'echo: again',
    })
    expect(host.received[2]).toMatchObject({ type: 'session_resume', conversation_context: [] })
  })

  test.each([
    ['out of order', [1]],
    ['gapped', [0, 2]],
  ])(
    '%s seq fails the prompt with STREAM_SEQUENCE and breaks the connection',
    async (_name, seqs) => {
      await using host = await startScriptedHost(async (connection) => {
        if (connection.number === 0) {
          await handshake(connection)
          const prompt = await connection.expect('prompt')
          for (const seq of seqs) {
            connection.send({
              type: 'stream_chunk',
              session_id: prompt.session_id,
              request_id: prompt.request_id,
              seq,
              content: 'x',
              tokens: 1,
            })
          }
          const { code } = await connection.closed
          expect(code).toBe(4002)
          return
        }
        await serveSession(connection)
      })
      await using manager = await connect(host)
      const ready = nextEvent(manager, 'ready')
      const error = await manager
        .sendPrompt(sessionId, 'hi')
        .result.catch((caught: unknown) => caught)
      expect(error).toMatchObject({ name: 'StreamError', code: 'STREAM_SEQUENCE' })
      await ready
      expect(host.received.map((message) => message.type)).toContain('session_resume')
    },
  )

  test('a host that never sends a first token trips firstTokenTimeoutMs', async () => {
    await using host = await startScriptedHost(async (connection) => {
      await handshake(connection)
      if (connection.number === 0) {
        await connection.expect('prompt')
        await connection.closed
        return
      }
      await serveSession(connection)
    })
    await using manager = await connect(host, { firstTokenTimeoutMs: 150 })
    const reconnecting = nextEvent(manager, 'reconnecting')
    const error = await manager
      .sendPrompt(sessionId, 'hi')
      .result.catch((caught: unknown) => caught)
    expect(error).toMatchObject({ name: 'StreamError', code: 'FIRST_TOKEN_TIMEOUT' })
    expect((await reconnecting).detail.error).toBe(error)
  })

  test('a stream that stalls between tokens trips interTokenTimeoutMs', async () => {
    await using host = await startScriptedHost(async (connection) => {
      await handshake(connection)
      if (connection.number === 0) {
        const prompt = await connection.expect('prompt')
        sendChunks(connection, prompt, ['first'])
        await connection.closed
        return
      }
      await serveSession(connection)
    })
    await using manager = await connect(host, { interTokenTimeoutMs: 150 })
    const stream = manager.sendPrompt(sessionId, 'hi')
    const seen: string[] = []
    const error = await (async () => {
      for await (const part of stream) seen.push(part.text)
    })().catch((caught: unknown) => caught)
    expect(seen).toEqual(['first'])
    expect(error).toMatchObject({ name: 'StreamError', code: 'INTER_TOKEN_TIMEOUT' })
  })

  test('RATE_LIMITED with retry_after_ms re-sends the prompt after the (capped) delay', async () => {
    const transcript = new Transcript()
    await using host = await startScriptedHost(async (connection) => {
      await handshake(connection)
      const prompt = await connection.expect('prompt')
      connection.send({
        type: 'error',
        session_id: prompt.session_id,
        request_id: prompt.request_id,
        code: 'RATE_LIMITED',
        message: 'slow down',
        retry_after_ms: 60_000,
        fatal: false,
      })
      const again = await connection.expect('prompt')
      expect(again.request_id).toBe(prompt.request_id)
      expect(again.message_index).toBe(prompt.message_index + 1)
      connection.send(transcript.response(again, 'ok'))
      await serveSession(connection)
    })
    // A 60 s retry_after_ms is capped to 30 ms here, so the test does not wait a minute.
    await using manager = await connect(host, { maxRetryAfterMs: 30 })
    await expect(manager.sendPrompt(sessionId, 'hi').result).resolves.toMatchObject({
      content: 'ok',
    })
  })

  test('RATE_LIMITED beyond the retries fails with a retryable HostError carrying retryAfterMs', async () => {
    await using host = await startScriptedHost(async (connection) => {
      await handshake(connection)
      await forEachUntilClosed(connection, 'prompt', (prompt) =>
        connection.send({
          type: 'error',
          session_id: prompt.session_id,
          request_id: prompt.request_id,
          code: 'RATE_LIMITED',
          message: 'slow down',
          retry_after_ms: 10,
          fatal: false,
        }),
      )
    })
    await using manager = await connect(host, { retryCount: 1 })
    const error = await manager
      .sendPrompt(sessionId, 'hi')
      .result.catch((caught: unknown) => caught)
    expect(HostError.isInstance(error)).toBe(true)
    expect(error).toMatchObject({ code: 'RATE_LIMITED', retryAfterMs: 10, isRetryable: true })
    expect(host.received.filter((message) => message.type === 'prompt')).toHaveLength(2)
  })

  test('a refused connection fails with CONNECT_FAILED after the retries', async () => {
    const host = await startScriptedHost(() => {})
    const url = host.url
    await host.close()
    const manager = createManager({ retryCount: 2 })
    const connecting: number[] = []
    manager.addEventListener('connecting', (event) => connecting.push(event.detail.attempt))
    const error = await manager
      .connectToSession(sessionId, url, sessionId)
      .catch((caught: unknown) => caught)
    expect(ConnectionError.isInstance(error)).toBe(true)
    expect(error).toMatchObject({ code: 'CONNECT_FAILED', isRetryable: true })
    expect(connecting).toEqual([0, 1, 2])
    expect(manager.getSessionState(sessionId)).toBe('closed')
  })

  test('a server that accepts TCP but never upgrades trips connectTimeoutMs', async () => {
    const sockets = new Set<Socket>()
    const server = createServer((socket) => sockets.add(socket))
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    try {
      const { port } = server.address() as AddressInfo
      const manager = createManager({ connectTimeoutMs: 100, retryCount: 0 })
      const error = await manager
        .connectToSession(sessionId, `http://127.0.0.1:${port}`, sessionId)
        .catch((caught: unknown) => caught)
      expect(error).toMatchObject({ name: 'ConnectionError', code: 'CONNECT_TIMEOUT' })
    } finally {
      for (const socket of sockets) socket.destroy()
      await new Promise((resolve) => server.close(resolve))
    }
  })

  test('connectToSession honours an AbortSignal', async () => {
    const sockets = new Set<Socket>()
    const server = createServer((socket) => sockets.add(socket))
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    try {
      const { port } = server.address() as AddressInfo
      const manager = createManager()
      const reason = new Error('stop')
      const controller = new AbortController()
      const connecting = manager.connectToSession(
        sessionId,
        `http://127.0.0.1:${port}`,
        sessionId,
        [],
        {
          signal: controller.signal,
        },
      )
      controller.abort(reason)
      await expect(connecting).rejects.toBe(reason)
    } finally {
      for (const socket of sockets) socket.destroy()
      await new Promise((resolve) => server.close(resolve))
    }
  })

  test('when reconnecting fails, pending prompts fail with CONNECTION_LOST and the session closes', async () => {
    let hostRef: ScriptedHost | undefined
    await using host = await startScriptedHost(async (connection) => {
      await handshake(connection)
      await connection.expect('prompt')
      connection.terminate()
    })
    hostRef = host
    await using manager = await connect(host, { retryCount: 2 })
    manager.addEventListener('reconnecting', () => {
      // Refuse every further connection.
      void hostRef?.kill()
      hostRef = undefined
    })
    const closed = nextEvent(manager, 'closed')
    const error = await manager
      .sendPrompt(sessionId, 'hi')
      .result.catch((caught: unknown) => caught)
    expect(error).toMatchObject({ name: 'ConnectionError', code: 'CONNECTION_LOST' })
    expect((await closed).detail.error).toBe(error)
    expect(manager.getSessionState(sessionId)).toBe('closed')
  })

  test('a non-retryable host error on session_init is thrown at once', async () => {
    await using host = await startScriptedHost(async (connection) => {
      const init = await connection.expect('session_init')
      connection.send({
        type: 'error',
        session_id: init.session_id,
        code: 'AUTH_FAILED',
        message: 'bad token',
        fatal: true,
      })
      connection.close(4001)
    })
    const manager = createManager()
    await manager.connectToSession(sessionId, host.url, sessionId)
    const error = await manager
      .initializeSession(sessionId, sessionOptions)
      .catch((caught: unknown) => caught)
    expect(error).toMatchObject({ name: 'HostError', code: 'AUTH_FAILED', isRetryable: false })
    expect((error as Error).message).toContain('bad token')
    expect(host.received.filter((message) => message.type === 'session_init')).toHaveLength(1)
    await manager.stop()
  })

  test('a fatal non-retryable session error closes the session', async () => {
    await using host = await startScriptedHost(async (connection) => {
      const init = await handshake(connection)
      await connection.expect('prompt')
      connection.send({
        type: 'error',
        session_id: init.session_id,
        code: 'TOKEN_EXPIRED',
        message: 'expired',
        fatal: true,
      })
      connection.close(4001)
    })
    await using manager = await connect(host)
    const error = await manager
      .sendPrompt(sessionId, 'hi')
      .result.catch((caught: unknown) => caught)
    expect(error).toMatchObject({ name: 'HostError', code: 'TOKEN_EXPIRED' })
    expect(manager.getSessionState(sessionId)).toBe('closed')
  })

  test('resumeSession sends the given conversation; compressed frames are decoded', async () => {
    const long = 'x'.repeat(5_000)
    await using host = await startScriptedHost(async (connection) => {
      const resume = await connection.expect('session_resume')
      expect(resume.conversation_context).toEqual([{ role: 'user', content: 'earlier' }])
      expect(resume.last_message_index).toBe(0)
      connection.send(sessionReady(resume.session_id, { resumed: true, compression: 'gzip' }))
      const prompt = await connection.expect('prompt')
      // The client compressed its large prompt too (the helper decodes binary frames).
      expect(prompt.content).toBe('p'.repeat(2_000))
      const response = new Transcript().response(prompt, long)
      connection.sendRaw(Buffer.from(encodeMessage(response, { compression: 'gzip' })))
      await serveSession(connection)
    })
    await using manager = createManager()
    const context = [{ role: 'user' as const, content: 'earlier' }]
    await manager.connectToSession(sessionId, host.url, sessionId, context)
    await manager.resumeSession(sessionId, context, sessionOptions)
    const stream = manager.sendPrompt(sessionId, 'p'.repeat(2_000))
    const parts: PromptStreamPart[] = []
    const reader = stream.toReadableStream().getReader()
    for (let next = await reader.read(); !next.done; next = await reader.read())
      parts.push(next.value)
    expect(parts).toEqual([{ type: 'text-delta', text: long, tokens: 0 }])
    expect((await stream.result).content).toBe(long)
    expect(host.binary).toEqual([false, true])
  })

  test('misuse is reported with SessionError, TypeError and RangeError', async () => {
    await using host = await startScriptedHost((connection) => serveSession(connection))
    await using manager = createManager()
    expect(() => manager.sendPrompt('404', 'hi')).toThrow(SessionError)
    await expect(manager.initializeSession('404', sessionOptions)).rejects.toMatchObject({
      code: 'SESSION_UNKNOWN',
    })
    await expect(manager.connectToSession(sessionId, 'ftp://x', sessionId)).rejects.toThrow(
      TypeError,
    )
    await expect(manager.connectToSession(sessionId, 'not a url', sessionId)).rejects.toThrow(
      TypeError,
    )
    await expect(
      manager.connectToSession(sessionId, host.url, sessionId, [], { lastMessageIndex: -1 }),
    ).rejects.toThrow(RangeError)
    await manager.connectToSession('77', host.url, '77')
    await expect(
      manager.initializeSession('77', { ...sessionOptions, authenticate: 'yes' as never }),
    ).rejects.toThrow(TypeError)
    await manager.connectToSession(sessionId, host.url, sessionId)
    await expect(manager.connectToSession(sessionId, host.url, sessionId)).rejects.toMatchObject({
      code: 'SESSION_EXISTS',
    })
    expect(() => manager.sendPrompt(sessionId, 'too early')).toThrow(
      expect.objectContaining({ code: 'SESSION_STATE' }),
    )
    await manager.initializeSession(sessionId, sessionOptions)
    expect(() => manager.sendPrompt(sessionId, 42 as unknown as string)).toThrow(TypeError)
    expect(() => manager.sendPrompt(sessionId, 'hi', { temperature: 3 })).toThrow(RangeError)
    expect(() => manager.sendPrompts(sessionId, 'hi' as never)).toThrow(TypeError)
    expect(() => new InferenceManager({ webSocket, retryCount: -1 })).toThrow(RangeError)
    expect(() => new InferenceManager({ webSocket, maxBufferedParts: 0 })).toThrow(RangeError)
    expect(() => new InferenceManager({ webSocket, maxPipelinedPrompts: 0 })).toThrow(RangeError)
    expect(() => new InferenceManager({ webSocket, maxResponseBytes: 0 })).toThrow(RangeError)
    expect(() => new InferenceManager({ webSocket, cache: { maxEntries: 0 } })).toThrow(RangeError)
    // A runtime without a WebSocket (Node 20; Node 22 has one, so hide it).
    vi.stubGlobal('WebSocket', undefined)
    const withoutWebSocket = new InferenceManager()
    vi.unstubAllGlobals()
    await expect(withoutWebSocket.connectToSession(sessionId, host.url, sessionId)).rejects.toThrow(
      TypeError,
    )
    const stream = manager.sendPrompt(sessionId, 'hi')
    await collect(stream)
    expect(() => stream[Symbol.asyncIterator]()).toThrow(TypeError)
  })
})

/** Rejects when `promise` is still pending after `ms`: a hang fails the test instead of stalling it. */
function settlesWithin<value>(promise: Promise<value>, ms: number): Promise<value> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const hung = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`still pending after ${ms} ms`)), ms)
  })
  return Promise.race([promise, hung]).finally(() => clearTimeout(timer))
}

describe('InferenceManager against a hostile host', () => {
  test('stream chunks past max_tokens (+1) fail the prompt with RESPONSE_TOO_LARGE; the session goes on', async () => {
    await using host = await startScriptedHost(async (connection) => {
      if (connection.number === 0) {
        await handshake(connection)
        const prompt = await connection.expect('prompt')
        expect(prompt.max_tokens).toBe(3)
        // Endless chunks: far more than max_tokens.
        sendChunks(
          connection,
          prompt,
          Array.from({ length: 200 }, () => 'x'),
        )
        const { code } = await connection.closed
        expect(code).toBe(4002)
        return
      }
      await serveSession(connection)
    })
    // Without the bound the stream would only end at this stall, with the wrong error.
    await using manager = await connect(host, { interTokenTimeoutMs: 3_000 })
    const ready = nextEvent(manager, 'ready')
    const stream = manager.sendPrompt(sessionId, 'count', { maxTokens: 3 })
    const parts: string[] = []
    const error = await (async () => {
      for await (const part of stream) parts.push(part.text)
    })().catch((caught: unknown) => caught)
    // seq 0–3 are delivered (max_tokens 3, one trailing chunk tolerated); seq 4 breaks the protocol.
    expect(parts.join('')).toBe('xxxx')
    expect(StreamError.isInstance(error)).toBe(true)
    expect(error).toMatchObject({ code: 'RESPONSE_TOO_LARGE', requestId: stream.requestId })
    expect((error as StreamError).shortMessage).toContain('maxTokens')
    expect((error as StreamError).message).toContain('seq 4 with max_tokens 3')
    await expect(stream.result).rejects.toBe(error)
    expect((await ready).detail.resumed).toBe(true)
    await expect(manager.sendPrompt(sessionId, 'again').result).resolves.toMatchObject({
      content: 'echo: again',
    })
  })

  test('oversized stream chunks fail the prompt with RESPONSE_TOO_LARGE at maxResponseBytes (default 4 MiB)', async () => {
    const mebibyte = 'é'.repeat(512 * 1024) // 1 MiB of UTF-8 in 512 Ki UTF-16 units
    await using host = await startScriptedHost(async (connection) => {
      if (connection.number === 0) {
        await handshake(connection)
        const prompt = await connection.expect('prompt')
        sendChunks(
          connection,
          prompt,
          Array.from({ length: 6 }, () => mebibyte),
        )
        const { code } = await connection.closed
        expect(code).toBe(4002)
        return
      }
      await serveSession(connection)
    })
    await using manager = await connect(host, { interTokenTimeoutMs: 3_000 })
    const ready = nextEvent(manager, 'ready')
    const stream = manager.sendPrompt(sessionId, 'talk')
    let delivered = 0
    const error = await (async () => {
      for await (const part of stream) delivered += part.text.length
    })().catch((caught: unknown) => caught)
    expect(delivered).toBe(4 * mebibyte.length)
    expect(StreamError.isInstance(error)).toBe(true)
    expect(error).toMatchObject({ code: 'RESPONSE_TOO_LARGE', isRetryable: true })
    expect((error as StreamError).shortMessage).toBe(
      "The host's answer exceeded maxResponseBytes (4194304 bytes)",
    )
    await ready
    await expect(manager.sendPrompt(sessionId, 'again').result).resolves.toMatchObject({
      content: 'echo: again',
    })
  })

  test('a final response larger than maxResponseBytes fails the prompt and is not recorded', async () => {
    await using host = await startScriptedHost(async (connection) => {
      if (connection.number === 0) {
        await handshake(connection)
        const prompt = await connection.expect('prompt')
        connection.send(new Transcript().response(prompt, 'y'.repeat(101)))
        await connection.closed
        return
      }
      await serveSession(connection)
    })
    await using manager = await connect(host, { maxResponseBytes: 100 })
    const ready = nextEvent(manager, 'ready')
    const error = await manager
      .sendPrompt(sessionId, 'hi')
      .result.catch((caught: unknown) => caught)
    expect(error).toMatchObject({ name: 'StreamError', code: 'RESPONSE_TOO_LARGE' })
    expect((error as StreamError).message).toContain('maxResponseBytes (100 bytes)')
    await ready
    expect(manager.getConversation(sessionId)).toEqual([])
  })

  test('a host that accepts every resume and closes mid-stream again: CONNECTION_LOST after retryCount reconnects', async () => {
    await using host = await startScriptedHost(async (connection) => {
      await handshake(connection)
      await forEachUntilClosed(connection, 'prompt', (prompt) => {
        if (prompt.content === 'loop') {
          sendChunks(connection, prompt, ['Hel'])
          connection.close(1011)
          return
        }
        const chunks = ['echo: ', prompt.content]
        sendChunks(connection, prompt, chunks)
        connection.send(new Transcript().response(prompt, chunks.join('')))
      })
    })
    await using manager = await connect(host, { retryCount: 3 })
    let reconnects = 0
    manager.addEventListener('reconnecting', () => reconnects++)
    const stream = manager.sendPrompt(sessionId, 'loop')
    const error = await settlesWithin(stream.result, 5_000).catch((caught: unknown) => caught)
    expect(ConnectionError.isInstance(error)).toBe(true)
    expect(error).toMatchObject({ code: 'CONNECTION_LOST', sessionId })
    expect((error as ConnectionError).message).toContain(
      'the connection was lost 4 times while the prompt was in flight (retryCount 3)',
    )
    // Sent on the first connection and on each of the 3 resumed ones: 3 reconnects for it.
    const sent = host.received.filter(
      (message) => message.type === 'prompt' && message.content === 'loop',
    )
    expect(sent).toHaveLength(4)
    expect(reconnects).toBeGreaterThanOrEqual(4)
    // The session survives the prompt: the next one is answered.
    await expect(manager.sendPrompt(sessionId, 'after').result).resolves.toMatchObject({
      content: 'echo: after',
    })
    expect(manager.getSessionState(sessionId)).toBe('ready')
  })
})
