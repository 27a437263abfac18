import { isAbortError, ProtocolError } from '@fabstir/protocol'
import { describe, expect, test } from 'vitest'
import { HttpError, LLMNodeClient, type StreamInferenceEvent } from '../src/index.js'
import { json, startHttpHost } from './startHttpHost.js'

const version = {
  version: '0.1.0',
  protocol: 'fabstir/1',
  features: ['streaming'],
  chain_ids: [84532],
  host_address: `0x${'ab'.repeat(20)}`,
  ed25519_public_key: `0x${'11'.repeat(32)}`,
}
const models = {
  models: [
    {
      id: `0x${'22'.repeat(32)}`,
      name: 'repo/model.gguf',
      context_window: 8192,
      prices: [{ token: '0x0', price_per_token: '1000' }],
    },
  ],
}
const usage = { prompt_tokens: 2, completion_tokens: 3, total_tokens: 5 }
const request = { model: 'repo/model.gguf', prompt: 'Hi', max_tokens: 10 }
const fast = { retryDelayMs: 5, maxRetryDelayMs: 20 }

function rateLimited(retryAfter: string) {
  return [
    429,
    { error: { code: 'RATE_LIMITED', message: 'slow down' } },
    { 'retry-after': retryAfter },
  ] as const
}

describe('LLMNodeClient against a node:http server', () => {
  test('health, version and models are fetched and validated', async () => {
    await using host = await startHttpHost((incoming, response) => {
      if (incoming.url === '/health')
        json(response, 200, { status: 'ok', version: '0.1.0', uptime_s: 3, active_sessions: 0 })
      else if (incoming.url === '/v1/version') json(response, 200, version)
      else json(response, 200, models)
    })
    const client = new LLMNodeClient({ baseUrl: `${host.url}/`, token: 'jwt' })
    await expect(client.health()).resolves.toMatchObject({ status: 'ok', active_sessions: 0 })
    await expect(client.version()).resolves.toEqual(version)
    await expect(client.models()).resolves.toEqual(models)
    expect(host.requests.map((item) => item.url)).toEqual(['/health', '/v1/version', '/v1/models'])
    expect(host.requests[0]?.headers.authorization).toBe('Bearer jwt')
  })

  test('an unavailable host’s 503 health body is returned, not thrown or retried', async () => {
    await using host = await startHttpHost((_incoming, response) =>
      json(response, 503, { status: 'unavailable', reason: 'loading model' }),
    )
    const client = new LLMNodeClient({ baseUrl: host.url, ...fast })
    await expect(client.health()).resolves.toEqual({
      status: 'unavailable',
      reason: 'loading model',
    })
    expect(host.requests).toHaveLength(1)
  })

  test('inference posts JSON and returns the validated answer', async () => {
    await using host = await startHttpHost((_incoming, response) =>
      json(response, 200, { content: 'Hello', finish_reason: 'stop', usage }),
    )
    const client = new LLMNodeClient({ baseUrl: host.url })
    await expect(client.inference(request)).resolves.toEqual({
      content: 'Hello',
      finish_reason: 'stop',
      usage,
    })
    const sent = host.requests[0]
    expect(sent?.method).toBe('POST')
    expect(sent?.url).toBe('/v1/inference')
    expect(sent?.headers['content-type']).toBe('application/json')
    expect(JSON.parse(sent?.body ?? '')).toEqual({ ...request, stream: false })
    expect(sent?.headers.authorization).toBeUndefined()
  })

  test('streamInference yields each server-sent event in order', async () => {
    await using host = await startHttpHost(async (_incoming, response) => {
      response.writeHead(200, { 'content-type': 'text/event-stream' })
      response.write(': comment\n\n')
      response.write(
        `event: message\ndata: ${JSON.stringify({ type: 'stream_chunk', seq: 0, content: 'Hel', tokens: 1 })}\r\n\r\n`,
      )
      await new Promise((resolve) => setTimeout(resolve, 10))
      const second = JSON.stringify({ type: 'stream_chunk', seq: 1, content: 'lo', tokens: 1 })
      response.write(`data: ${second.slice(0, 10)}`)
      response.write(`${second.slice(10)}\n\n`)
      response.end(
        `data: ${JSON.stringify({ type: 'response', content: 'Hello', finish_reason: 'stop', usage })}\n\n`,
      )
    })
    const client = new LLMNodeClient({ baseUrl: host.url })
    const events: StreamInferenceEvent[] = []
    for await (const event of client.streamInference(request)) events.push(event)
    expect(events).toEqual([
      { type: 'stream_chunk', seq: 0, content: 'Hel', tokens: 1 },
      { type: 'stream_chunk', seq: 1, content: 'lo', tokens: 1 },
      { type: 'response', content: 'Hello', finish_reason: 'stop', usage },
    ])
    expect(JSON.parse(host.requests[0]?.body ?? '')).toMatchObject({ stream: true })
  })

  test('an error event, a gap in seq, garbage and a truncated stream are typed errors', async () => {
    const bodies = [
      `data: ${JSON.stringify({ type: 'error', code: 'CONTEXT_TOO_LARGE', message: 'too long' })}\n\n`,
      `data: ${JSON.stringify({ type: 'stream_chunk', seq: 1, content: 'x', tokens: 1 })}\n\n`,
      'data: {not json\n\n',
      `data: ${JSON.stringify({ type: 'stream_chunk', seq: 0, content: 'x', tokens: 1 })}`,
    ]
    await using host = await startHttpHost((_incoming, response, index) => {
      response.writeHead(200, { 'content-type': 'text/event-stream' })
      response.end(bodies[index])
    })
    const client = new LLMNodeClient({ baseUrl: host.url })
    const drain = async () => {
      for await (const _event of client.streamInference(request)) {
        // consume
      }
    }
    await expect(drain()).rejects.toMatchObject({
      name: 'HttpError',
      code: 'CONTEXT_TOO_LARGE',
      isRetryable: false,
    })
    await expect(drain()).rejects.toMatchObject({ name: 'StreamError', code: 'STREAM_SEQUENCE' })
    await expect(drain()).rejects.toMatchObject({ name: 'ProtocolError', code: 'BAD_MESSAGE' })
    await expect(drain()).rejects.toMatchObject({ name: 'ProtocolError', code: 'BAD_MESSAGE' })
  })

  test('429 with Retry-After is retried, then succeeds', async () => {
    await using host = await startHttpHost((_incoming, response, index) => {
      if (index === 0) json(response, ...rateLimited('0.02'))
      else json(response, 200, models)
    })
    const client = new LLMNodeClient({ baseUrl: host.url, ...fast })
    await expect(client.models()).resolves.toEqual(models)
    expect(host.requests).toHaveLength(2)
  })

  test('a Retry-After beyond maxRetryAfterMs is capped; exhausted retries throw the typed 429', async () => {
    await using host = await startHttpHost((_incoming, response) =>
      json(response, ...rateLimited('3600')),
    )
    const client = new LLMNodeClient({
      baseUrl: host.url,
      ...fast,
      retryCount: 2,
      maxRetryAfterMs: 20,
    })
    const started = Date.now()
    const error = await client.models().catch((caught: unknown) => caught)
    expect(Date.now() - started).toBeLessThan(5_000)
    expect(HttpError.isInstance(error)).toBe(true)
    expect(error).toMatchObject({
      code: 'RATE_LIMITED',
      status: 429,
      isRetryable: true,
      retryAfterMs: 3_600_000,
    })
    expect(host.requests).toHaveLength(3)
  })

  test('502/503/504 are retried; 500 is not', async () => {
    await using host = await startHttpHost((_incoming, response, index) => {
      if (index === 0) json(response, 502, { error: { code: 'UNAVAILABLE', message: 'gateway' } })
      else if (index === 1) {
        response.writeHead(504)
        response.end()
      } else if (index === 2) json(response, 200, version)
      else json(response, 500, { error: { code: 'INTERNAL', message: 'boom', retry_after_ms: 5 } })
    })
    const client = new LLMNodeClient({ baseUrl: host.url, ...fast })
    await expect(client.version()).resolves.toEqual(version)
    const error = await client.version().catch((caught: unknown) => caught)
    expect(error).toMatchObject({
      name: 'HttpError',
      code: 'INTERNAL',
      status: 500,
      isRetryable: false,
      retryAfterMs: 5,
    })
    expect((error as Error).message).toContain('boom')
    expect(host.requests).toHaveLength(4)
  })

  test('a status without an error body is HTTP_ERROR', async () => {
    await using host = await startHttpHost((_incoming, response) => {
      response.writeHead(404, { 'content-type': 'text/html' })
      response.end('<h1>nope</h1>')
    })
    const client = new LLMNodeClient({ baseUrl: host.url, ...fast })
    await expect(client.models()).rejects.toMatchObject({
      name: 'HttpError',
      code: 'HTTP_ERROR',
      status: 404,
      isRetryable: false,
    })
  })

  test('a malformed success body is a ProtocolError', async () => {
    await using host = await startHttpHost((_incoming, response) =>
      json(response, 200, { models: 'none' }),
    )
    const client = new LLMNodeClient({ baseUrl: host.url })
    const error = await client.models().catch((caught: unknown) => caught)
    expect(ProtocolError.isInstance(error)).toBe(true)
    expect(error).toMatchObject({ code: 'BAD_MESSAGE' })
  })

  test('network errors are retried, then NETWORK_ERROR', async () => {
    const host = await startHttpHost(() => {})
    const url = host.url
    await host.close()
    const client = new LLMNodeClient({
      baseUrl: url,
      ...fast,
      retryCount: 1,
      shouldRetry: () => true,
    })
    await expect(client.models()).rejects.toMatchObject({
      name: 'HttpError',
      code: 'NETWORK_ERROR',
      isRetryable: true,
    })
  })

  test('timeoutMs rejects with a TimeoutError; a signal rejects with its reason', async () => {
    await using host = await startHttpHost(() => {
      // never answers
    })
    const client = new LLMNodeClient({ baseUrl: host.url, timeoutMs: 100 })
    const timedOut = await client.models().catch((caught: unknown) => caught)
    expect(isAbortError(timedOut)).toBe(true)
    expect(timedOut).toMatchObject({ name: 'TimeoutError' })
    const reason = new Error('user left')
    const controller = new AbortController()
    const pending = client.version({ signal: controller.signal, timeoutMs: 10_000 })
    controller.abort(reason)
    await expect(pending).rejects.toBe(reason)
    await expect(client.health({ signal: AbortSignal.abort(reason) })).rejects.toBe(reason)
  })

  test('a stream is aborted mid-way with signal.reason', async () => {
    await using host = await startHttpHost((_incoming, response) => {
      response.writeHead(200, { 'content-type': 'text/event-stream' })
      response.write(
        `data: ${JSON.stringify({ type: 'stream_chunk', seq: 0, content: 'x', tokens: 1 })}\n\n`,
      )
      // then stalls
    })
    const client = new LLMNodeClient({ baseUrl: host.url })
    const controller = new AbortController()
    const reason = new Error('enough')
    const seen: StreamInferenceEvent[] = []
    const error = await (async () => {
      for await (const event of client.streamInference(request, { signal: controller.signal })) {
        seen.push(event)
        controller.abort(reason)
      }
    })().catch((caught: unknown) => caught)
    expect(seen).toHaveLength(1)
    expect(error).toBe(reason)
  })

  test('constructor arguments are validated', () => {
    expect(() => new LLMNodeClient({ baseUrl: 'nope' })).toThrow(TypeError)
    expect(() => new LLMNodeClient({ baseUrl: 'ws://x' })).toThrow(TypeError)
    expect(() => new LLMNodeClient({ baseUrl: 'http://x', retryCount: -1 })).toThrow(RangeError)
    expect(() => new LLMNodeClient({ baseUrl: 'http://x' }, { fetch: 1 as never })).toThrow(
      TypeError,
    )
  })
})
