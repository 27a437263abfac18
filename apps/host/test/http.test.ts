import { request as httpRequest } from 'node:http'
import { decodeHttpBody, type InferenceEvent } from '@fabstir/protocol'
import { keccak_256 } from '@noble/hashes/sha3.js'
import { describe, expect, test } from 'vitest'
import type { Clock } from '../src/clock.js'
import { startHost } from '../src/startHost.js'
import { createScriptedBackend } from './scriptedBackend.js'

const inference = (url: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${url}/v1/inference`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  })

const errorOf = async (response: Response) => decodeHttpBody('error', await response.text()).error

async function readEvents(response: Response): Promise<InferenceEvent[]> {
  const text = await response.text()
  return text
    .split('\n\n')
    .filter(Boolean)
    .map((event) => {
      expect(event.startsWith('data: ')).toBe(true)
      return decodeHttpBody('inferenceEvent', event.slice('data: '.length))
    })
}

describe('HTTP endpoints (scripted backend stub)', () => {
  test('GET /health', async () => {
    await using host = await startHost({
      backends: [createScriptedBackend()],
      insecureNoAuth: true,
    })
    const response = await fetch(`${host.url}/health`)
    expect(response.status).toBe(200)
    const health = decodeHttpBody('health', await response.text())
    expect(health).toMatchObject({ status: 'ok', version: '0.0.0', active_sessions: 0 })
    const head = await fetch(`${host.url}/health`, { method: 'HEAD' })
    expect(head.status).toBe(200)
  })

  test('GET /v1/version', async () => {
    const hostAddress = `0x${'ab'.repeat(20)}` as const
    await using host = await startHost({
      backends: [createScriptedBackend()],
      insecureNoAuth: true,
      chainId: 84532,
      hostAddress,
    })
    const version = decodeHttpBody('version', await (await fetch(`${host.url}/v1/version`)).text())
    expect(version).toMatchObject({
      protocol: 'fabstir/1',
      chain_ids: [84532],
      host_address: hostAddress,
      ed25519_public_key: host.publicKey,
    })
    expect(version.features).toContain('session_resume')
    expect(version.features).not.toContain('auth') // insecureNoAuth
  })

  test('GET /v1/models: id is keccak256 of the name', async () => {
    await using host = await startHost({
      backends: [createScriptedBackend({ name: 'org/model-a.gguf', contextWindow: 2048 })],
      insecureNoAuth: true,
      prices: [{ token: '0x0', price_per_token: '2000' }],
    })
    const { models } = decodeHttpBody('models', await (await fetch(`${host.url}/v1/models`)).text())
    const expected = Buffer.from(keccak_256(new TextEncoder().encode('org/model-a.gguf'))).toString(
      'hex',
    )
    expect(models).toEqual([
      {
        id: `0x${expected}`,
        name: 'org/model-a.gguf',
        context_window: 2048,
        prices: [{ token: '0x0', price_per_token: '2000' }],
      },
    ])
  })

  test('POST /v1/inference answers JSON with the context and prompt', async () => {
    const backend = createScriptedBackend({ tokens: ['Hi', ' there'] })
    await using host = await startHost({ backends: [backend], insecureNoAuth: true })
    const response = await inference(host.url, {
      model: 'scripted/model.bin',
      prompt: 'and you?',
      max_tokens: 16,
      conversation_context: [
        { role: 'user', content: 'hello' },
        { role: 'assistant', content: 'hello back' },
      ],
    })
    expect(response.status).toBe(200)
    expect(decodeHttpBody('inferenceResponse', await response.text())).toEqual({
      content: 'Hi there',
      finish_reason: 'stop',
      usage: { prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 },
    })
    expect(backend.calls[0]?.messages.at(-1)).toEqual({ role: 'user', content: 'and you?' })
    expect(backend.calls[0]?.options.maxTokens).toBe(16)
  })

  test('POST /v1/inference with stream:true sends server-sent events', async () => {
    await using host = await startHost({
      backends: [createScriptedBackend({ tokens: ['a', 'b', 'c'] })],
      insecureNoAuth: true,
    })
    const response = await inference(host.url, {
      model: 'scripted/model.bin',
      prompt: 'go',
      max_tokens: 2,
      stream: true,
    })
    expect(response.headers.get('content-type')).toContain('text/event-stream')
    expect(await readEvents(response)).toEqual([
      { type: 'stream_chunk', seq: 0, content: 'a', tokens: 1 },
      { type: 'stream_chunk', seq: 1, content: 'b', tokens: 1 },
      {
        type: 'response',
        content: 'ab',
        finish_reason: 'length',
        usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 },
      },
    ])
  })

  test('a backend failure ends the reply with finish_reason error', async () => {
    await using host = await startHost({
      backends: [createScriptedBackend({ tokens: ['a', 'b'], failAt: 1 })],
      insecureNoAuth: true,
    })
    const response = await inference(host.url, {
      model: 'scripted/model.bin',
      prompt: 'go',
      max_tokens: 8,
    })
    expect(decodeHttpBody('inferenceResponse', await response.text())).toMatchObject({
      content: 'a',
      finish_reason: 'error',
    })
  })

  test('an SSE client that disconnects stops the generation', async () => {
    const backend = createScriptedBackend({ tokens: ['a', 'b'], holdAt: 1 })
    await using host = await startHost({ backends: [backend], insecureNoAuth: true })
    const aborted = new Promise((resolve) => backend.events.once('abort', resolve))
    const body = { model: 'scripted/model.bin', prompt: 'go', max_tokens: 8, stream: true }
    const reader = (await inference(host.url, body)).body?.getReader()
    expect(new TextDecoder().decode((await reader?.read())?.value)).toContain('stream_chunk')
    await reader?.cancel()
    await aborted
  })

  test('errors: bad JSON, invalid body, unknown model, too large, no auth', async () => {
    await using host = await startHost({
      backends: [createScriptedBackend()],
      insecureNoAuth: true,
      maxMessageBytes: 1024,
    })
    const badJson = await inference(host.url, '{nope')
    expect(badJson.status).toBe(400)
    expect(decodeHttpBody('error', await badJson.text()).error.code).toBe('BAD_MESSAGE')

    const invalid = await inference(host.url, { model: 'scripted/model.bin', prompt: 'x' })
    expect(invalid.status).toBe(400)
    expect((await errorOf(invalid)).details).toContain('max_tokens')

    const unknown = await inference(host.url, { model: 'nope', prompt: 'x', max_tokens: 1 })
    expect(unknown.status).toBe(404)
    expect((await errorOf(unknown)).code).toBe('MODEL_UNAVAILABLE')

    const large = await inference(host.url, {
      model: 'scripted/model.bin',
      prompt: 'x'.repeat(4096),
      max_tokens: 1,
    })
    expect(large.status).toBe(413)
    expect((await errorOf(large)).code).toBe('MESSAGE_TOO_LARGE')

    await using locked = await startHost({ backends: [createScriptedBackend()] })
    const unauthorized = await inference(locked.url, {
      model: 'scripted/model.bin',
      prompt: 'x',
      max_tokens: 1,
    })
    expect(unauthorized.status).toBe(401)
    expect((await errorOf(unauthorized)).code).toBe('AUTH_REQUIRED')
  })

  test('a chunked body that grows past the limit is refused with 413', async () => {
    await using host = await startHost({
      backends: [createScriptedBackend()],
      insecureNoAuth: true,
      maxMessageBytes: 1024,
    })
    const status = await new Promise<number | undefined>((resolve, reject) => {
      const request = httpRequest(`${host.url}/v1/inference`, { method: 'POST' }, (response) => {
        response.resume()
        resolve(response.statusCode)
      })
      request.on('error', reject)
      request.write('x'.repeat(800)) // no Content-Length: chunked
      request.end('x'.repeat(800))
    })
    expect(status).toBe(413)
  })

  test('a prompt that cannot fit the context window is CONTEXT_TOO_LARGE (413)', async () => {
    await using host = await startHost({
      backends: [createScriptedBackend({ contextWindow: 2 })],
      insecureNoAuth: true,
    })
    const response = await inference(host.url, {
      model: 'scripted/model.bin',
      prompt: 'a b c',
      max_tokens: 1,
    })
    expect(response.status).toBe(413)
    expect((await errorOf(response)).code).toBe('CONTEXT_TOO_LARGE')
  })

  test('past promptsPerMinute: 429 with Retry-After', async () => {
    const now = Date.now()
    const clock: Clock = { now: () => now }
    await using host = await startHost({
      backends: [createScriptedBackend()],
      insecureNoAuth: true,
      promptsPerMinute: 1,
      clock,
    })
    const body = { model: 'scripted/model.bin', prompt: 'x', max_tokens: 1 }
    expect((await inference(host.url, body)).status).toBe(200)
    const limited = await inference(host.url, body)
    expect(limited.status).toBe(429)
    expect(limited.headers.get('retry-after')).toBe('60')
    expect(await errorOf(limited)).toMatchObject({
      code: 'RATE_LIMITED',
      retry_after_ms: 60_000,
    })
  })

  test('unknown paths 404, wrong methods 405, auth endpoints UNAVAILABLE', async () => {
    await using host = await startHost({
      backends: [createScriptedBackend()],
      insecureNoAuth: true,
    })
    const missing = await fetch(`${host.url}/nope`)
    expect(missing.status).toBe(404)
    expect(decodeHttpBody('error', await missing.text()).error.code).toBe('BAD_MESSAGE')

    const wrongMethod = await fetch(`${host.url}/v1/models`, { method: 'POST' })
    expect(wrongMethod.status).toBe(405)
    expect(wrongMethod.headers.get('allow')).toBe('GET')
    await wrongMethod.body?.cancel()

    for (const path of ['/v1/auth/challenge', '/v1/auth/token', '/v1/auth/refresh']) {
      const response = await fetch(`${host.url}${path}`, { method: 'POST', body: '{}' })
      expect(response.status).toBe(503)
      expect((await errorOf(response)).code).toBe('UNAVAILABLE')
    }
  })
})
