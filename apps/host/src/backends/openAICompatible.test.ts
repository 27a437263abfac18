import type { ServerResponse } from 'node:http'
import type { ChatMessage } from '@fabstir/protocol'
import { describe, expect, test } from 'vitest'
import { chunkEvent, startFakeOpenAIServer } from '../../test/startFakeOpenAIServer.js'
import { BackendError } from './BackendError.js'
import { createOpenAICompatibleBackend, estimateTokens } from './openAICompatible.js'

const messages: ChatMessage[] = [
  { role: 'system', content: 'Be brief.' },
  { role: 'user', content: 'secret prompt text' },
]
const options = { maxTokens: 16, temperature: 0 }

async function collect(iterable: AsyncIterable<string>): Promise<string[]> {
  const pieces: string[] = []
  for await (const piece of iterable) pieces.push(piece)
  return pieces
}

/** Collects what streams before the iteration fails, and the failure. */
async function collectUntilError(
  iterable: AsyncIterable<string>,
): Promise<{ pieces: string[]; error: unknown }> {
  const pieces: string[] = []
  try {
    for await (const piece of iterable) pieces.push(piece)
  } catch (error) {
    return { pieces, error }
  }
  throw new Error(`Expected the stream to fail; it yielded ${JSON.stringify(pieces)}`)
}

/** Resolves when the client closes the connection of `response`. */
function closed(response: ServerResponse): Promise<void> {
  return new Promise((resolve) => response.once('close', () => resolve()))
}

function streamHead(response: ServerResponse): void {
  response.writeHead(200, { 'content-type': 'text/event-stream' })
}

describe('createOpenAICompatibleBackend (against a test double of an OpenAI-compatible server)', () => {
  test('streams each delta piece and sends the request OpenAI expects', async () => {
    await using server = await startFakeOpenAIServer({ reply: ['Hel', 'lo', ' there'] })
    const backend = createOpenAICompatibleBackend({
      baseUrl: `${server.url}/`,
      model: 'test-model',
      apiKey: 'sk-test',
      contextWindow: 8192,
    })
    expect(backend.name).toBe('test-model')
    expect(backend.contextWindow).toBe(8192)
    const pieces = await collect(backend.generate(messages, { maxTokens: 7, temperature: 0.5 }))
    expect(pieces).toEqual(['Hel', 'lo', ' there'])
    const [request] = server.requests
    expect(request?.path).toBe('/v1/chat/completions')
    expect(request?.headers.authorization).toBe('Bearer sk-test')
    expect(request?.body).toEqual({
      model: 'test-model',
      messages,
      stream: true,
      max_tokens: 7,
      temperature: 0.5,
    })
  })

  test('stops at [DONE] and skips comments, role-only and usage chunks; CRLF lines work', async () => {
    await using server = await startFakeOpenAIServer({
      chat: (response) => {
        streamHead(response)
        response.write(': keep-alive\r\n\r\n')
        response.write('data: {"choices":[{"index":0,"delta":{"role":"assistant"}}]}\r\n\r\n')
        response.write(chunkEvent('one').replaceAll('\n', '\r\n'))
        // One event split across two writes.
        const split = chunkEvent(' two')
        response.write(split.slice(0, 20))
        response.write(split.slice(20))
        response.write('data: {"choices":[],"usage":{"completion_tokens":2}}\n\n')
        response.write('data: {"object":"ping"}\n\n')
        response.write('data: [DONE]\n\n')
        response.end(chunkEvent(' after done'))
      },
    })
    const backend = createOpenAICompatibleBackend({
      baseUrl: server.url,
      model: 'm',
      name: 'r/f.gguf',
    })
    expect(backend.name).toBe('r/f.gguf')
    expect(await collect(backend.generate(messages, options))).toEqual(['one', ' two'])
  })

  test('accepts a stream that ends after a finish reason without [DONE]', async () => {
    await using server = await startFakeOpenAIServer({
      chat: (response) => {
        streamHead(response)
        response.end(chunkEvent('last', 'length'))
      },
    })
    const backend = createOpenAICompatibleBackend({ baseUrl: server.url, model: 'm' })
    expect(await collect(backend.generate(messages, options))).toEqual(['last'])
  })

  test('a stream that ends before [DONE] or a finish reason is BACKEND_UNAVAILABLE', async () => {
    await using server = await startFakeOpenAIServer({
      chat: (response) => {
        streamHead(response)
        response.end(chunkEvent('partial'))
      },
    })
    const backend = createOpenAICompatibleBackend({ baseUrl: server.url, model: 'm' })
    const { pieces, error } = await collectUntilError(backend.generate(messages, options))
    expect(pieces).toEqual(['partial'])
    expect(error).toMatchObject({ code: 'BACKEND_UNAVAILABLE', isRetryable: true })
  })

  test('a connection dropped mid-stream is BACKEND_UNAVAILABLE after the pieces so far', async () => {
    let drop = () => {}
    await using server = await startFakeOpenAIServer({
      chat: (response) => {
        streamHead(response)
        response.write(chunkEvent('first'))
        drop = () => response.socket?.destroy()
      },
    })
    const backend = createOpenAICompatibleBackend({ baseUrl: server.url, model: 'm' })
    const iterator = backend.generate(messages, options)[Symbol.asyncIterator]()
    expect(await iterator.next()).toEqual({ done: false, value: 'first' })
    drop()
    const error = await iterator.next().then(
      () => undefined,
      (error: unknown) => error,
    )
    expect(BackendError.isInstance(error)).toBe(true)
    expect(error).toMatchObject({ code: 'BACKEND_UNAVAILABLE', name: 'BackendError' })
    expect((error as BackendError).shortMessage).toMatch(/dropped the connection/)
  })

  test('non-2xx answers become typed errors without the key or the prompt', async () => {
    await using server = await startFakeOpenAIServer({
      chat: (response, request) => {
        const body = request.body as { model: string }
        if (body.model === 'unknown') {
          response.writeHead(401, { 'content-type': 'application/json' })
          response.end(JSON.stringify({ error: { message: 'Invalid API key', type: 'auth' } }))
        } else if (body.model === 'busy') {
          response.writeHead(503, { 'retry-after': '2' })
          response.end(JSON.stringify({ error: 'Loading model' }))
        } else {
          response.writeHead(429, { 'retry-after': new Date(Date.now() + 60_000).toUTCString() })
          response.end('slow down')
        }
      },
    })
    const backend = (model: string) =>
      createOpenAICompatibleBackend({ baseUrl: server.url, model, apiKey: 'sk-secret-key' })

    const rejected = await collectUntilError(backend('unknown').generate(messages, options))
    expect(rejected.error).toMatchObject({
      code: 'BACKEND_REJECTED',
      status: 401,
      details: 'Invalid API key',
      isRetryable: false,
    })
    const message = (rejected.error as Error).message
    expect(message).toContain(server.url)
    expect(message).not.toContain('sk-secret-key')
    expect(message).not.toContain('secret prompt')

    const busy = await collectUntilError(backend('busy').generate(messages, options))
    expect(busy.error).toMatchObject({
      code: 'BACKEND_UNAVAILABLE',
      status: 503,
      retryAfterMs: 2000,
      details: 'Loading model',
      isRetryable: true,
    })

    const limited = await collectUntilError(backend('m').generate(messages, options))
    expect(limited.error).toMatchObject({ code: 'BACKEND_UNAVAILABLE', status: 429 })
    expect((limited.error as BackendError).retryAfterMs).toBeGreaterThan(0)
    expect((limited.error as BackendError).details).toBeUndefined()
  })

  test('reads at most a bounded part of a huge error body', async () => {
    await using server = await startFakeOpenAIServer({
      chat: (response) => {
        response.writeHead(500, { 'content-type': 'text/plain' })
        response.end('x'.repeat(200_000))
      },
    })
    const backend = createOpenAICompatibleBackend({ baseUrl: server.url, model: 'm' })
    const { error } = await collectUntilError(backend.generate(messages, options))
    expect(error).toMatchObject({ code: 'BACKEND_UNAVAILABLE', status: 500, details: undefined })
  })

  test.each([
    ['an event that is not JSON', 'data: {"choices": [\n\n', /not JSON/],
    ['an event that is not an object', 'data: 42\n\n', /not an object/],
    ['choices that are not an array', 'data: {"choices": {"delta": {}}}\n\n', /malformed chunk/],
    [
      'content that is not a string',
      'data: {"choices":[{"delta":{"content":5}}]}\n\n',
      /malformed/,
    ],
    ['an error event', 'data: {"error":{"message":"out of memory"}}\n\n', /reported an error/],
  ])('%s is BACKEND_BAD_RESPONSE', async (_, event, shortMessage) => {
    await using server = await startFakeOpenAIServer({
      chat: (response) => {
        streamHead(response)
        response.write(chunkEvent('ok'))
        response.end(event)
      },
    })
    const backend = createOpenAICompatibleBackend({ baseUrl: server.url, model: 'm' })
    const { pieces, error } = await collectUntilError(backend.generate(messages, options))
    expect(pieces).toEqual(['ok'])
    expect(error).toMatchObject({ code: 'BACKEND_BAD_RESPONSE', isRetryable: false })
    expect((error as BackendError).shortMessage).toMatch(shortMessage)
  })

  test('a mid-stream error event keeps the server message as details', async () => {
    await using server = await startFakeOpenAIServer({
      chat: (response) => {
        streamHead(response)
        response.end('data: {"error":{"message":"out of memory"}}\n\n')
      },
    })
    const backend = createOpenAICompatibleBackend({ baseUrl: server.url, model: 'm' })
    const { error } = await collectUntilError(backend.generate(messages, options))
    expect(error).toMatchObject({ details: 'out of memory' })
  })

  test('a reply that is not an event stream is BACKEND_BAD_RESPONSE', async () => {
    await using server = await startFakeOpenAIServer({
      chat: (response) => {
        response.writeHead(200, { 'content-type': 'application/json' })
        response.end('{"choices":[{"message":{"content":"not streamed"}}]}')
      },
    })
    const backend = createOpenAICompatibleBackend({ baseUrl: server.url, model: 'm' })
    const { error } = await collectUntilError(backend.generate(messages, options))
    expect(error).toMatchObject({ code: 'BACKEND_BAD_RESPONSE', status: 200 })
    expect((error as Error).message).toContain('Content-Type: application/json')
  })

  test('an endless line fails at maxBufferedChars instead of growing memory', async () => {
    let serverSawClose: Promise<void> | undefined
    let written = 0
    await using server = await startFakeOpenAIServer({
      chat: (response) => {
        streamHead(response)
        serverSawClose = closed(response)
        response.write('data: "')
        const block = 'x'.repeat(1024)
        const pump = () => {
          // Writes until the client goes away, honouring back-pressure.
          while (!response.destroyed && response.write(block)) written += block.length
          if (!response.destroyed) response.once('drain', pump)
        }
        pump()
      },
    })
    const backend = createOpenAICompatibleBackend({
      baseUrl: server.url,
      model: 'm',
      maxBufferedChars: 4096,
    })
    const { error } = await collectUntilError(backend.generate(messages, options))
    expect(error).toMatchObject({ code: 'BACKEND_BAD_RESPONSE' })
    expect((error as Error).message).toContain('Limit: 4096 characters')
    await serverSawClose
    expect(written).toBeGreaterThan(0)
  })

  test('abort ends the iteration early without an error and closes the connection', async () => {
    let serverSawClose: Promise<void> | undefined
    await using server = await startFakeOpenAIServer({
      chat: (response) => {
        streamHead(response)
        serverSawClose = closed(response)
        // Sends one piece, then stalls as a slow model would.
        response.write(chunkEvent('first'))
      },
    })
    const backend = createOpenAICompatibleBackend({ baseUrl: server.url, model: 'm' })
    const controller = new AbortController()
    const pieces: string[] = []
    for await (const piece of backend.generate(messages, {
      ...options,
      signal: controller.signal,
    })) {
      pieces.push(piece)
      controller.abort()
    }
    expect(pieces).toEqual(['first'])
    await serverSawClose
  })

  test('abort while waiting for the response ends the iteration without an error', async () => {
    await using server = await startFakeOpenAIServer({
      chat: () => {
        // Never answers.
      },
    })
    const backend = createOpenAICompatibleBackend({ baseUrl: server.url, model: 'm' })
    const controller = new AbortController()
    const iterator = backend.generate(messages, { ...options, signal: controller.signal })
    const pending = collect(iterator)
    while (server.requests.length === 0) await new Promise((resolve) => setTimeout(resolve, 5))
    controller.abort()
    expect(await pending).toEqual([])
  })

  test('an already aborted signal or maxTokens 0 sends no request', async () => {
    await using server = await startFakeOpenAIServer()
    const backend = createOpenAICompatibleBackend({ baseUrl: server.url, model: 'm' })
    expect(
      await collect(backend.generate(messages, { ...options, signal: AbortSignal.abort() })),
    ).toEqual([])
    expect(await collect(backend.generate(messages, { maxTokens: 0, temperature: 0 }))).toEqual([])
    expect(server.requests).toEqual([])
  })

  test('breaking out of the loop closes the connection', async () => {
    let serverSawClose: Promise<void> | undefined
    await using server = await startFakeOpenAIServer({
      chat: (response) => {
        streamHead(response)
        serverSawClose = closed(response)
        response.write(chunkEvent('a'))
        response.write(chunkEvent('b'))
      },
    })
    const backend = createOpenAICompatibleBackend({ baseUrl: server.url, model: 'm' })
    for await (const piece of backend.generate(messages, options)) {
      expect(piece).toBe('a')
      break
    }
    await serverSawClose
  })

  test('silence longer than timeoutMs is BACKEND_TIMEOUT, before and during the stream', async () => {
    await using server = await startFakeOpenAIServer({
      chat: (response, request) => {
        if ((request.body as { model: string }).model === 'stalls') {
          streamHead(response)
          response.write(chunkEvent('first'))
        }
        // The other model never answers.
      },
    })
    const silent = createOpenAICompatibleBackend({
      baseUrl: server.url,
      model: 'm',
      timeoutMs: 100,
    })
    const before = await collectUntilError(silent.generate(messages, options))
    expect(before.error).toMatchObject({ code: 'BACKEND_TIMEOUT', isRetryable: true })

    // Generous, so a slow machine still delivers the first piece before the silence counts.
    const stalls = createOpenAICompatibleBackend({
      baseUrl: server.url,
      model: 'stalls',
      timeoutMs: 500,
    })
    const during = await collectUntilError(stalls.generate(messages, options))
    expect(during.pieces).toEqual(['first'])
    expect(during.error).toMatchObject({ code: 'BACKEND_TIMEOUT' })
  })

  test('an unreachable server is BACKEND_UNAVAILABLE', async () => {
    const server = await startFakeOpenAIServer()
    await server.close()
    const backend = createOpenAICompatibleBackend({ baseUrl: server.url, model: 'm' })
    const { error } = await collectUntilError(backend.generate(messages, options))
    expect(error).toMatchObject({
      code: 'BACKEND_UNAVAILABLE',
      shortMessage: 'Cannot reach the backend',
    })
    expect((error as BackendError).details).toMatch(/ECONNREFUSED/)
    await expect(backend.countTokens('hello')).rejects.toMatchObject({
      code: 'BACKEND_UNAVAILABLE',
    })
  })

  test('close() fails generations in flight and refuses new ones', async () => {
    await using server = await startFakeOpenAIServer({
      chat: (response) => {
        streamHead(response)
        response.write(chunkEvent('first'))
      },
    })
    const backend = createOpenAICompatibleBackend({ baseUrl: server.url, model: 'm' })
    const iterator = backend.generate(messages, options)[Symbol.asyncIterator]()
    expect(await iterator.next()).toEqual({ done: false, value: 'first' })
    await backend.close?.()
    await expect(iterator.next()).rejects.toMatchObject({
      code: 'BACKEND_UNAVAILABLE',
      shortMessage: 'The backend was closed',
    })
    await expect(collect(backend.generate(messages, options))).rejects.toMatchObject({
      code: 'BACKEND_UNAVAILABLE',
    })
  })

  test('uses an injected fetch (a stub at the fetch interface)', async () => {
    const calls: string[] = []
    const fetch: typeof globalThis.fetch = async (input) => {
      calls.push(String(input))
      return new Response(`${chunkEvent('injected', 'stop')}data: [DONE]\n\n`, {
        headers: { 'content-type': 'text/event-stream' },
      })
    }
    const backend = createOpenAICompatibleBackend({
      baseUrl: 'http://example.invalid/base',
      model: 'm',
      fetch,
    })
    expect(await collect(backend.generate(messages, options))).toEqual(['injected'])
    expect(calls).toEqual(['http://example.invalid/base/v1/chat/completions'])
  })

  test('validates its options and the generate options', () => {
    const make = (overrides: object) =>
      createOpenAICompatibleBackend({ baseUrl: 'http://127.0.0.1:1', model: 'm', ...overrides })
    expect(() => make({ baseUrl: 'not a url' })).toThrow(TypeError)
    expect(() => make({ baseUrl: 'ftp://127.0.0.1' })).toThrow(/http\(s\)/)
    expect(() => make({ baseUrl: 'http://user:pw@127.0.0.1' })).toThrow(/credentials/)
    expect(() => make({ contextWindow: 0 })).toThrow(RangeError)
    expect(() => make({ timeoutMs: 1.5 })).toThrow(RangeError)
    expect(() => make({ maxBufferedChars: -1 })).toThrow(RangeError)
    const backend = make({})
    expect(() => backend.generate(messages, { maxTokens: -1, temperature: 0 })).toThrow(RangeError)
    expect(() => backend.generate(messages, { maxTokens: 1, temperature: Number.NaN })).toThrow(
      RangeError,
    )
  })
})

describe('countTokens', () => {
  test("uses the server's /tokenize when it has one", async () => {
    await using server = await startFakeOpenAIServer({ tokenize: true })
    const backend = createOpenAICompatibleBackend({ baseUrl: server.url, model: 'm' })
    // The double counts words (3); the estimate would say ceil(27 / 4) = 7.
    expect(await backend.countTokens('internationalization is fun')).toBe(3)
    expect(await backend.countTokens('')).toBe(0)
    expect(server.requests.map((request) => request.path)).toEqual(['/tokenize', '/tokenize'])
    expect(server.requests[0]?.body).toEqual({ content: 'internationalization is fun' })
  })

  test('falls back to code points / 4, rounded up, once /tokenize is 404', async () => {
    await using server = await startFakeOpenAIServer({ tokenize: false })
    const backend = createOpenAICompatibleBackend({ baseUrl: server.url, model: 'm' })
    expect(await backend.countTokens('internationalization is fun')).toBe(7)
    expect(await backend.countTokens('😀😀😀😀😀')).toBe(2)
    // The 404 is remembered: only the first call asked the server.
    expect(server.requests).toHaveLength(1)
    expect(estimateTokens('')).toBe(0)
    expect(estimateTokens('abcde')).toBe(2)
  })

  test('a failing or malformed /tokenize is an error, not a silent estimate', async () => {
    let answer = 500
    const backend = createOpenAICompatibleBackend({
      baseUrl: 'http://127.0.0.1:1',
      model: 'm',
      // A stub at the fetch interface: the double server has no failing /tokenize.
      fetch: async () =>
        answer === 500
          ? new Response('{"error":{"message":"boom"}}', { status: 500 })
          : new Response('{"count": 3}'),
    })
    await expect(backend.countTokens('a b c')).rejects.toMatchObject({
      code: 'BACKEND_UNAVAILABLE',
      status: 500,
      details: 'boom',
    })
    answer = 200
    await expect(backend.countTokens('a b c')).rejects.toMatchObject({
      code: 'BACKEND_BAD_RESPONSE',
    })
  })
})
