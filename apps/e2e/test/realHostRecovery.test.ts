import { verifyToken } from '@fabstir/auth/host'
import {
  type Clock,
  createDevelopmentJobVerifier,
  createEmbeddedBackend,
  startHost,
} from '@fabstir/host'
import {
  authenticateSession,
  InferenceManager,
  type InferenceManagerEvents,
  type PromptStream,
  refreshToken,
} from '@fabstir/sdk'
import { webSocket } from '@fabstir/sdk/node'
import { privateKeyToAccount } from 'viem/accounts'
import { describe, expect, test } from 'vitest'
import { startWebSocketRelay, textMessage, type WebSocketRelay } from './startWebSocketRelay.js'

// The client's recovery paths against the reference host (in process, on loopback), where the
// inference package's own tests use a scripted host: a connection cut mid-stream, a token that
// runs out, a rate limit. A relay between them reads (and cuts) the real WebSocket frames.

const chainId = 31337
const model = 'fabstir/ngram-trigram.json'
const prompt = 'Tell me about the Queen of Hearts and the croquet game.'

/** A host clock the test moves forward, as if that much time had passed on the host. */
function createTestClock(): Clock & { advance(ms: number): void } {
  let offsetMs = 0
  return {
    now: () => Date.now() + offsetMs,
    advance: (ms) => {
      offsetMs += ms
    },
  }
}

/** The next event of `type` the manager emits. */
function nextEvent<type extends keyof InferenceManagerEvents & string>(
  manager: InferenceManager,
  type: type,
): Promise<InferenceManagerEvents[type]> {
  return new Promise((resolve) => manager.addEventListener(type, resolve, { once: true }))
}

/** The next `ready` event's detail; rejects with the session's error if it closes first. */
function nextReady(manager: InferenceManager): Promise<InferenceManagerEvents['ready']['detail']> {
  return new Promise((resolve, reject) => {
    const listening = new AbortController()
    const { signal } = listening
    manager.addEventListener(
      'ready',
      (event) => {
        listening.abort()
        resolve(event.detail)
      },
      { signal },
    )
    manager.addEventListener(
      'closed',
      (event) => {
        listening.abort()
        reject(event.detail.error)
      },
      { signal },
    )
  })
}

/** Reads a stream to its end: the text parts as they came, and the final result. */
async function read(stream: PromptStream) {
  const parts: string[] = []
  for await (const part of stream) parts.push(part.text)
  return { parts, result: await stream.result }
}

/** The client messages of one type the relay saw, decoded, on every connection. */
function sent(relay: WebSocketRelay, type: string) {
  return relay.frames
    .filter((frame) => frame.from === 'client')
    .map((frame) => ({ connection: frame.connection, message: textMessage(frame) }))
    .filter((entry) => entry.message?.type === type)
}

describe('recovery against the reference host', () => {
  test('a socket cut mid-stream: the client reconnects to the same host, resumes, and the answer arrives whole, once', async () => {
    await using host = await startHost({
      backends: [createEmbeddedBackend({ name: model })],
      insecureNoAuth: true,
      chainId,
    })
    // The answer without any fault, from its own session: temperature 0 makes it deterministic.
    await using direct = new InferenceManager({ webSocket })
    await direct.connectToSession('40', host.url, '40')
    await direct.initializeSession('40', { chainId, model })
    const expected = await read(direct.sendPrompt('40', prompt, { maxTokens: 40, temperature: 0 }))
    expect(expected.parts.length).toBeGreaterThan(4)

    // The relay drops the first connection as the host's third chunk crosses it: the client has
    // two chunks, the host is mid-answer, and no response has been delivered.
    let chunks = 0
    await using relay = await startWebSocketRelay(host.url, {
      onFrame: (frame) =>
        frame.connection === 0 &&
        frame.from === 'host' &&
        textMessage(frame)?.type === 'stream_chunk' &&
        ++chunks === 3
          ? 'cut'
          : undefined,
    })
    await using manager = new InferenceManager({ webSocket, retryDelayMs: 20 })
    await manager.connectToSession('41', relay.url, '41')
    await manager.initializeSession('41', { chainId, model })
    const reconnecting = nextEvent(manager, 'reconnecting')
    const ready = nextReady(manager)
    const { parts, result } = await read(
      manager.sendPrompt('41', prompt, { maxTokens: 40, temperature: 0 }),
    )

    expect(chunks).toBe(3)
    expect((await reconnecting).detail).toMatchObject({ sessionId: '41', attempt: 1 })
    expect(await ready).toMatchObject({ sessionId: '41', resumed: true })
    expect(relay.connections).toBe(2)
    const responses = relay.frames
      .filter((frame) => frame.from === 'host')
      .map((frame) => ({ connection: frame.connection, type: textMessage(frame)?.type }))
      .filter((entry) => entry.type === 'response')
    expect(responses).toEqual([{ connection: 1, type: 'response' }])
    // The same prompt went out again on the new socket, after session_resume.
    const prompts = sent(relay, 'prompt')
    expect(prompts.map((entry) => entry.connection)).toEqual([0, 1])
    expect(prompts[1]?.message?.request_id).toBe(prompts[0]?.message?.request_id)
    expect(sent(relay, 'session_resume').map((entry) => entry.connection)).toEqual([1])
    // Nothing lost, nothing repeated: the parts add up to the answer, which is the fault-free one.
    expect(parts.join('')).toBe(result.content)
    expect(result.content).toBe(expected.result.content)
    expect(manager.getConversation('41')).toEqual([
      { role: 'user', content: prompt },
      { role: 'assistant', content: expected.result.content },
    ])
  })

  test('a short token lifetime: token_expiring → refresh, the stream goes on; a later resume carries the fresh token', async () => {
    const clock = createTestClock()
    await using host = await startHost({
      backends: [createEmbeddedBackend({ name: model })],
      jobVerifier: createDevelopmentJobVerifier(),
      chainId,
      // Under the 60 s notice: the host sends token_expiring as soon as the session opens.
      tokenTtlSeconds: 55,
      clock,
      // The test moves the host clock by a minute and a half; client timestamps stay real.
      maxClockSkewMs: 10 * 60_000,
    })
    await using relay = await startWebSocketRelay(host.url)
    const account = privateKeyToAccount(`0x${'31'.repeat(32)}`)
    const auth = await authenticateSession({ hostUrl: host.url, jobId: '42', chainId, account })

    // 50 s pass on the host: the first token has 5 s left when the session opens and refreshes.
    clock.advance(50_000)
    const refreshedWith: string[] = []
    const issued: string[] = []
    await using manager = new InferenceManager({ webSocket, retryDelayMs: 20 })
    const refreshed: number[] = []
    manager.addEventListener('token-refreshed', (event) => refreshed.push(event.detail.expiresAt))
    const refreshFailures: unknown[] = []
    manager.addEventListener('token-refresh-failed', (event) => refreshFailures.push(event.detail))
    await manager.connectToSession('42', relay.url, '42')
    await manager.initializeSession('42', {
      chainId,
      model,
      // No tokenExpiresAt: only the host's token_expiring makes the client refresh.
      token: auth.token,
      sessionKey: auth.sessionKey,
      hostPublicKey: auth.hostPublicKey,
      refreshToken: async (token) => {
        refreshedWith.push(token)
        const fresh = await refreshToken({ hostUrl: host.url, token })
        issued.push(fresh.token)
        return fresh
      },
    })
    const first = await read(manager.sendPrompt('42', prompt, { maxTokens: 30 }))
    expect(first.parts.join('')).toBe(first.result.content)
    expect(first.result.content.length).toBeGreaterThan(0)
    // A bound for a missing refresh, not a timing requirement: it comes within milliseconds.
    await expect.poll(() => refreshed.length, { timeout: 20_000 }).toBeGreaterThan(0)
    expect(refreshedWith[0]).toBe(auth.token)
    expect(refreshed[0]).toBeGreaterThan(auth.expiresAt)
    expect(
      relay.frames.map(textMessage).filter((message) => message?.type === 'token_expiring'),
    ).toHaveLength(1)

    // 40 s more: the first token is past its expiry and the host's clock skew, the fresh one is not.
    clock.advance(40_000)
    const firstTokenError = await verifyToken(auth.token, {
      hostPublicKey: auth.hostPublicKey,
      now: clock.now(),
    }).catch((error: unknown) => error)
    expect(firstTokenError).toMatchObject({ code: 'TOKEN_EXPIRED' })

    // The network drops the socket: the session resumes with the refreshed token and goes on
    // (with the first one the host would answer TOKEN_EXPIRED, which closes the session).
    const ready = nextReady(manager)
    relay.cut()
    expect(await ready).toMatchObject({ sessionId: '42', resumed: true })
    const second = await read(manager.sendPrompt('42', 'And the Duchess?', { maxTokens: 20 }))
    expect(second.parts.join('')).toBe(second.result.content)
    expect(second.result.context?.messages).toBe(4)
    const [resume] = sent(relay, 'session_resume')
    expect(resume?.connection).toBe(1)
    expect(issued).toContain(resume?.message?.token)
    expect(refreshFailures).toEqual([])
  })

  test('a low prompts_per_minute: the client gets RATE_LIMITED with retry_after_ms and retries successfully', async () => {
    const clock = createTestClock()
    await using host = await startHost({
      backends: [createEmbeddedBackend({ name: model })],
      insecureNoAuth: true,
      chainId,
      promptsPerMinute: 1,
      clock,
      maxClockSkewMs: 10 * 60_000,
    })
    // When the host refuses a prompt, a minute passes on its clock before the client hears of
    // it: the retry finds a free slot, however long the client's own wait.
    const refusals: Record<string, unknown>[] = []
    await using relay = await startWebSocketRelay(host.url, {
      onFrame: (frame) => {
        const message = frame.from === 'host' ? textMessage(frame) : undefined
        if (message?.type === 'error' && message.code === 'RATE_LIMITED') {
          refusals.push(message)
          clock.advance(60_000)
        }
        return undefined
      },
    })
    // The host's wait (up to a minute) is capped, so the client does not sit out the real minute.
    await using manager = new InferenceManager({ webSocket, retryDelayMs: 20, maxRetryAfterMs: 50 })
    await manager.connectToSession('43', relay.url, '43')
    await manager.initializeSession('43', { chainId, model })
    const first = await manager.sendPrompt('43', 'Who is the Hatter?', { maxTokens: 8 }).result
    expect(first.content.length).toBeGreaterThan(0)

    const stream = manager.sendPrompt('43', 'And the March Hare?', { maxTokens: 8 })
    const second = await read(stream)
    expect(second.parts.join('')).toBe(second.result.content)
    expect(second.result.content.length).toBeGreaterThan(0)

    expect(refusals).toHaveLength(1)
    expect(refusals[0]).toMatchObject({ request_id: stream.requestId, fatal: false })
    expect(refusals[0]?.retry_after_ms).toBeGreaterThan(0)
    // The refused prompt went out again with the same request_id and a new message_index.
    const again = sent(relay, 'prompt')
      .map((entry) => entry.message)
      .filter((message) => message?.request_id === stream.requestId)
    expect(again).toHaveLength(2)
    expect(Number(again[1]?.message_index)).toBeGreaterThan(Number(again[0]?.message_index))
    expect(manager.getConversation('43')).toHaveLength(4)
  })
})
