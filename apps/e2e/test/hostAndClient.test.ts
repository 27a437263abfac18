import { gunzipSync, inflateRawSync } from 'node:zlib'
import { verifyToken } from '@fabstir/auth/host'
import { createDevelopmentJobVerifier, createEmbeddedBackend, startHost } from '@fabstir/host'
import {
  authenticateSession,
  type ChatMessage,
  InferenceManager,
  LLMNodeClient,
  refreshToken,
  type StreamInferenceEvent,
} from '@fabstir/sdk'
import { webSocket } from '@fabstir/sdk/node'
import { privateKeyToAccount } from 'viem/accounts'
import { describe, expect, test } from 'vitest'
import { type RelayedFrame, startWebSocketRelay, textMessage } from './startWebSocketRelay.js'

// The reference host and the SDK's client against each other, in one process on loopback.
const chainId = 31337
const model = 'fabstir/ngram-trigram.json'

async function startPair(init: { promptsPerMinute?: number } = {}) {
  const host = await startHost({
    backends: [createEmbeddedBackend({ name: model })],
    insecureNoAuth: true,
    chainId,
    ...init,
  })
  const manager = new InferenceManager({ webSocket, retryDelayMs: 20 })
  return {
    host,
    manager,
    async [Symbol.asyncDispose]() {
      await manager.stop()
      await host.close()
    },
  }
}

async function open(manager: InferenceManager, url: string, sessionId: string) {
  await manager.connectToSession(sessionId, url, sessionId)
  await manager.initializeSession(sessionId, { chainId, model })
}

describe('InferenceManager against the reference host', () => {
  test('a conversation: chunks add up to the answer, context and transcript grow', async () => {
    await using pair = await startPair()
    await open(pair.manager, pair.host.url, '11')
    const heads = new Set<string | null>()
    for (const [turn, prompt] of ['Who is the White Rabbit?', 'And the Duchess?'].entries()) {
      const stream = pair.manager.sendPrompt('11', prompt, { maxTokens: 40, temperature: 0.7 })
      let text = ''
      for await (const part of stream) text += part.text
      const result = await stream.result
      expect(result.content).toBe(text)
      expect(result.usage.completion_tokens).toBeGreaterThan(0)
      expect(result.usage.total_tokens).toBe(
        result.usage.prompt_tokens + result.usage.completion_tokens,
      )
      expect(result.context?.messages).toBe(2 * (turn + 1))
      heads.add(result.transcriptHead)
    }
    expect(heads.size).toBe(2)
    const { usage } = await pair.manager.endSession('11')
    expect(usage?.completion_tokens).toBeGreaterThan(0)
  })

  test('pipelined prompts are answered in order; cancel ends an answer early', async () => {
    await using pair = await startPair()
    await open(pair.manager, pair.host.url, '12')
    const streams = pair.manager.sendPrompts('12', [
      { content: 'one', maxTokens: 5 },
      { content: 'two', maxTokens: 5 },
      { content: 'three', maxTokens: 5 },
    ])
    const results = await Promise.all(streams.map((stream) => stream.result))
    expect(results.map((result) => result.finishReason)).toEqual(['length', 'length', 'length'])
    const conversation: readonly ChatMessage[] = pair.manager.getConversation('12')
    expect(conversation.filter((message) => message.role === 'user').map((m) => m.content)).toEqual(
      ['one', 'two', 'three'],
    )

    const long = pair.manager.sendPrompt('12', 'Tell me a long story.', { maxTokens: 500 })
    for await (const _ of long) {
      long.cancel()
      break
    }
    expect((await long.result).finishReason).toBe('cancelled')
  })

  test('a large prompt travels compressed and is answered', async () => {
    await using pair = await startPair()
    // The client talks to the host through a relay that reads the frames on the wire.
    await using relay = await startWebSocketRelay(pair.host.url)
    await open(pair.manager, relay.url, '13')
    const prompt = 'The Queen said off with their heads. '.repeat(200)
    const result = await pair.manager.sendPrompt('13', prompt, { maxTokens: 10 }).result
    expect(result.content.length).toBeGreaterThan(0)
    expect(result.usage.prompt_tokens).toBeGreaterThan(1000)
    await pair.manager.stop()

    const ready = relay.frames.map(textMessage).find((message) => message?.type === 'session_ready')
    const codecs: Record<string, number> = { 'deflate-raw': 0x01, gzip: 0x02 }
    const codec = codecs[String(ready?.compression)]
    expect(codec).toBeDefined()
    // The prompt left the client as the one binary frame: the negotiated codec's byte, then the
    // compressed JSON (not compressed by a WebSocket extension: RSV1 is clear), far smaller than
    // the text it carries; every text frame the client sent was small.
    const fromClient = relay.frames.filter((frame) => frame.from === 'client')
    const binary = fromClient.filter((frame) => frame.opcode === 2)
    expect(binary).toHaveLength(1)
    const [frame] = binary as [RelayedFrame]
    expect(frame.rsv1).toBe(false)
    expect(frame.payload[0]).toBe(codec)
    const compressed = frame.payload.subarray(1)
    const json = (codec === 0x02 ? gunzipSync(compressed) : inflateRawSync(compressed)).toString()
    expect(JSON.parse(json)).toMatchObject({ type: 'prompt', content: prompt })
    expect(frame.wireBytes).toBeLessThan(json.length / 4)
    const text = fromClient.filter((frame) => frame.opcode === 1)
    expect(Math.max(...text.map((frame) => frame.payload.length))).toBeLessThan(1024)
  })

  test('a session resumes on a new socket to the same host with its context', async () => {
    await using pair = await startPair()
    await open(pair.manager, pair.host.url, '14')
    await pair.manager.sendPrompt('14', 'Hello there', { maxTokens: 8 }).result
    const history = pair.manager.getConversation('14')
    const lastMessageIndex = pair.manager.getNextMessageIndex('14') - 1
    await pair.manager.stop()
    // A new client (say, after a restart) continues the session: it must continue message_index.
    await using again = new InferenceManager({ webSocket })
    await again.connectToSession('14', pair.host.url, '14', history, { lastMessageIndex })
    await again.resumeSession('14', history, { chainId, model })
    const result = await again.sendPrompt('14', 'And again', { maxTokens: 8 }).result
    expect(result.context?.messages).toBe(4)
  })
})

describe('LLMNodeClient against the reference host', () => {
  test('health, version, models, inference as JSON and as server-sent events', async () => {
    await using pair = await startPair()
    const client = new LLMNodeClient({ baseUrl: pair.host.url })
    expect(await client.health()).toMatchObject({ status: 'ok' })
    expect(await client.version()).toMatchObject({ protocol: 'fabstir/1', chain_ids: [chainId] })
    const { models } = await client.models()
    expect(models.map((entry) => entry.name)).toEqual([model])

    const request = { model, prompt: 'Who is the Hatter?', max_tokens: 20, temperature: 0 }
    const answer = await client.inference(request)
    expect(answer.usage.completion_tokens).toBeGreaterThan(0)

    const events: StreamInferenceEvent[] = []
    for await (const event of client.streamInference(request)) events.push(event)
    const last = events.at(-1)
    expect(last?.type).toBe('response')
    const streamed = events.flatMap((event) =>
      event.type === 'stream_chunk' ? [event.content] : [],
    )
    // Temperature 0: the streamed answer is the JSON one, piece by piece.
    expect(streamed.join('')).toBe(answer.content)
  })
})

// Node 20 has no global WebSocket; CI runs this suite on Node 22 too, where this test runs.
const nativeWebSocket = (globalThis as { WebSocket?: unknown }).WebSocket
test.skipIf(nativeWebSocket === undefined)(
  'the runtime’s own WHATWG WebSocket (as in browsers) works without the ws package',
  async () => {
    await using pair = await startPair()
    await using manager = new InferenceManager()
    await open(manager, pair.host.url, '15')
    const result = await manager.sendPrompt('15', 'Hello', { maxTokens: 6 }).result
    expect(result.usage.completion_tokens).toBeGreaterThan(0)
  },
)

describe('authentication between the SDK and the reference host', () => {
  test('challenge → wallet signature → token; a signed session; a refreshed token', async () => {
    await using host = await startHost({
      backends: [createEmbeddedBackend({ name: model })],
      jobVerifier: createDevelopmentJobVerifier(),
      chainId,
    })
    const account = privateKeyToAccount(`0x${'17'.repeat(32)}`)
    const auth = await authenticateSession({ hostUrl: host.url, jobId: '21', chainId, account })
    const claims = await verifyToken(auth.token, { hostPublicKey: auth.hostPublicKey, jobId: '21' })
    expect(claims.sub).toBe(account.address.toLowerCase())
    expect(claims.permissions).toEqual(['inference', 'resume'])

    await using manager = new InferenceManager({ webSocket })
    await manager.connectToSession('21', host.url, '21')
    await manager.initializeSession('21', {
      chainId,
      model,
      token: auth.token,
      sessionKey: auth.sessionKey,
      hostPublicKey: auth.hostPublicKey,
    })
    // The session asked for signing; a host that refused it, or a response whose signature did not
    // verify against the pinned key, would fail this prompt.
    const result = await manager.sendPrompt('21', 'Who is the Hatter?', { maxTokens: 12 }).result
    expect(result.content.length).toBeGreaterThan(0)

    const refreshed = await refreshToken({ hostUrl: host.url, token: auth.token })
    expect(refreshed.token).not.toBe(auth.token)
    expect(refreshed.expiresAt).toBeGreaterThanOrEqual(auth.expiresAt)

    // A token of this job is refused for another job on the socket.
    await using other = new InferenceManager({ webSocket, retryCount: 0 })
    await other.connectToSession('22', host.url, '22')
    const error = await other
      .initializeSession('22', { chainId, model, token: auth.token, sessionKey: auth.sessionKey })
      .catch((caught: unknown) => caught)
    expect(error).toMatchObject({ code: 'AUTH_FAILED' })
  })
})
