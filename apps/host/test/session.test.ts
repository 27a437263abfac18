import { createPublicKey, verify } from 'node:crypto'
import { once } from 'node:events'
import {
  type ChatMessage,
  type Hex,
  nextTranscriptHead,
  type PromptMessage,
  type ResponseMessage,
  signingBytes,
  transcriptGenesis,
} from '@fabstir/protocol'
import { describe, expect, test } from 'vitest'
import { startHost } from '../src/startHost.js'
import { createScriptedBackend } from './scriptedBackend.js'
import { TestClient } from './testClient.js'

function verifyHostSignature(message: ResponseMessage, publicKeyHex: Hex): boolean {
  const key = createPublicKey({
    key: {
      kty: 'OKP',
      crv: 'Ed25519',
      x: Buffer.from(publicKeyHex.slice(2), 'hex').toString('base64url'),
    },
    format: 'jwk',
  })
  return verify(null, signingBytes(message), key, Buffer.from(message.sig ?? '', 'base64url'))
}

describe('WebSocket session with a scripted backend (stub)', () => {
  test('init, two prompts: chunks in order, signed responses, usage and the transcript chain', async () => {
    const backend = createScriptedBackend({ tokens: ['The', ' answer', ' is', ' 42'] })
    await using host = await startHost({ backends: [backend], insecureNoAuth: true })
    const client = await TestClient.connect(host.url)

    const ready = await client.init()
    expect(ready).toMatchObject({
      type: 'session_ready',
      session_id: '42',
      resumed: false,
      context_messages: 0,
      context_tokens: 0,
      limits: {
        max_message_bytes: 4 * 1024 * 1024,
        prompts_per_minute: 60,
        max_context_tokens: 4096,
      },
      compression: null,
      signing: false,
      host_public_key: host.publicKey,
    })

    let head = transcriptGenesis
    for (const [turn, content] of ['What is the answer?', 'Are you sure?'].entries()) {
      const prompt = client.send<PromptMessage>({ type: 'prompt', request_id: `r${turn}`, content })
      const { message: response, before } = await client.until('response')
      expect(
        before.map((chunk) => chunk.type === 'stream_chunk' && [chunk.seq, chunk.content]),
      ).toEqual([
        [0, 'The'],
        [1, ' answer'],
        [2, ' is'],
        [3, ' 42'],
      ])
      expect(response).toMatchObject({
        session_id: '42',
        request_id: `r${turn}`,
        message_index: prompt.message_index,
        content: 'The answer is 42',
        finish_reason: 'stop',
      })
      // Prompt tokens: the whole context the model saw, counted as words by the stub.
      const promptTokens = turn === 0 ? 4 : 4 + 4 + 3
      expect(response.usage).toEqual({
        prompt_tokens: promptTokens,
        completion_tokens: 4,
        total_tokens: promptTokens + 4,
      })
      expect(response.context).toEqual({
        messages: 2 * (turn + 1),
        tokens: promptTokens + 4,
        truncated: false,
      })
      head = nextTranscriptHead(head, prompt, { content: response.content, usage: response.usage })
      expect(response.transcript_head).toBe(head)
      expect(verifyHostSignature(response, host.publicKey)).toBe(true)
      expect(verifyHostSignature({ ...response, content: 'forged' }, host.publicKey)).toBe(false)
    }
    expect(backend.calls[1]?.messages).toEqual([
      { role: 'user', content: 'What is the answer?' },
      { role: 'assistant', content: 'The answer is 42' },
      { role: 'user', content: 'Are you sure?' },
    ])

    client.send({ type: 'ping' })
    expect(await client.next()).toEqual({ type: 'pong', session_id: '42' })

    client.send({ type: 'session_end' })
    const closedMessage = await client.next()
    expect(closedMessage).toEqual({
      type: 'session_closed',
      session_id: '42',
      usage: { prompt_tokens: 15, completion_tokens: 8, total_tokens: 23 },
    })
    expect((await client.closed).code).toBe(1000)
  })

  test('compression is negotiated and a large prompt and reply travel compressed', async () => {
    const long = 'lorem ipsum '.repeat(2000)
    const backend = createScriptedBackend({ tokens: [long, ' end'], contextWindow: 100_000 })
    await using host = await startHost({ backends: [backend], insecureNoAuth: true })
    const client = await TestClient.connect(host.url)
    const ready = await client.init({ compression: ['br', 'gzip', 'deflate-raw'] })
    expect(ready.compression).toBe('gzip')

    const prompt = client.send<PromptMessage>({ type: 'prompt', request_id: 'big', content: long })
    const { message: response } = await client.until('response')
    expect(response.content).toBe(`${long} end`)
    expect(backend.calls[0]?.messages.at(-1)?.content).toBe(long)
    // The long chunk and the response came as binary frames; the short chunk as text.
    const frames = client.received.map(({ message, binary }) => [message.type, binary])
    expect(frames).toEqual([
      ['session_ready', false],
      ['stream_chunk', true],
      ['stream_chunk', false],
      ['response', true],
    ])
    expect(response.transcript_head).toBe(
      nextTranscriptHead(transcriptGenesis, prompt, {
        content: response.content,
        usage: response.usage,
      }),
    )
  })

  test('deflate-raw is chosen when offered first', async () => {
    await using host = await startHost({
      backends: [createScriptedBackend()],
      insecureNoAuth: true,
    })
    const client = await TestClient.connect(host.url)
    expect((await client.init({ compression: ['deflate-raw', 'gzip'] })).compression).toBe(
      'deflate-raw',
    )
  })

  test('resume on the same host continues from its cache after the socket closed', async () => {
    const backend = createScriptedBackend()
    await using host = await startHost({ backends: [backend], insecureNoAuth: true })
    const first = await TestClient.connect(host.url)
    await first.init()
    const prompt = first.send<PromptMessage>({
      type: 'prompt',
      request_id: 'a',
      content: 'one two',
    })
    const { message: answer } = await first.until('response')
    first.close()
    await first.closed

    const second = await TestClient.connect(host.url, { messageIndex: first.messageIndex })
    second.send({
      type: 'session_resume',
      token: 'no-auth',
      job_id: '42',
      chain_id: 31337,
      model: 'scripted/model.bin',
      conversation_context: [], // the host's own cache wins
      last_message_index: first.messageIndex,
    })
    const { message: ready } = await second.until('session_ready')
    expect(ready).toMatchObject({ resumed: true, context_messages: 2, context_tokens: 5 })

    const next = second.send<PromptMessage>({ type: 'prompt', request_id: 'b', content: 'three' })
    const { message: response } = await second.until('response')
    expect(backend.calls[1]?.messages.map((message) => message.content)).toEqual([
      'one two',
      'Hello, world',
      'three',
    ])
    const head = nextTranscriptHead(answer.transcript_head, next, {
      content: response.content,
      usage: response.usage,
    })
    expect(answer.transcript_head).toBe(
      nextTranscriptHead(transcriptGenesis, prompt, {
        content: answer.content,
        usage: answer.usage,
      }),
    )
    expect(response.transcript_head).toBe(head)
  })

  test('resume on a second host rebuilds the session from conversation_context', async () => {
    const backendA = createScriptedBackend()
    await using hostA = await startHost({ backends: [backendA], insecureNoAuth: true })
    const client = await TestClient.connect(hostA.url)
    await client.init()
    const history: ChatMessage[] = []
    for (const content of ['first question', 'second question']) {
      client.send({ type: 'prompt', request_id: `q${history.length}`, content })
      const { message } = await client.until('response')
      history.push({ role: 'user', content }, { role: 'assistant', content: message.content })
    }
    const last = client.received.at(-1)?.message as ResponseMessage | undefined
    const lastHead = last?.transcript_head ?? transcriptGenesis
    client.close()
    await hostA.close()

    const backendB = createScriptedBackend({ tokens: ['B'] })
    await using hostB = await startHost({ backends: [backendB], insecureNoAuth: true })
    const resumed = await TestClient.connect(hostB.url, { messageIndex: client.messageIndex })
    resumed.send({
      type: 'session_resume',
      token: 'no-auth',
      job_id: '42',
      chain_id: 31337,
      model: 'scripted/model.bin',
      conversation_context: history,
      last_message_index: client.messageIndex,
      transcript_head: lastHead,
    } as never)
    const { message: ready } = await resumed.until('session_ready')
    expect(ready).toMatchObject({ resumed: true, context_messages: 4, context_tokens: 8 })
    expect(ready.host_public_key).toBe(hostB.publicKey)
    expect(ready.host_public_key).not.toBe(hostA.publicKey)

    const prompt = resumed.send<PromptMessage>({
      type: 'prompt',
      request_id: 'q2',
      content: 'third',
    })
    const { message: response } = await resumed.until('response')
    expect(backendB.calls[0]?.messages).toEqual([...history, { role: 'user', content: 'third' }])
    // The chain continues from the head the client carried over.
    expect(response.transcript_head).toBe(
      nextTranscriptHead(lastHead, prompt, { content: 'B', usage: response.usage }),
    )
  })

  test('truncation drops the oldest turns and keeps the system message', async () => {
    // A window of 20 words keeps at most 20 - min(4, 10) = 16 for the context.
    const backend = createScriptedBackend({ contextWindow: 20, tokens: ['ok'] })
    await using host = await startHost({ backends: [backend], insecureNoAuth: true })
    const client = await TestClient.connect(host.url)
    const context: ChatMessage[] = [
      { role: 'system', content: 'you are terse' }, // 3
      { role: 'user', content: 'one one one one' }, // 4
      { role: 'assistant', content: 'two two two two' }, // 4
      { role: 'user', content: 'three three three' }, // 3
      { role: 'assistant', content: 'four four' }, // 2
    ]
    client.send({
      type: 'session_resume',
      token: 'no-auth',
      job_id: '42',
      chain_id: 31337,
      model: 'scripted/model.bin',
      conversation_context: context,
      last_message_index: 0,
    })
    const { message: ready } = await client.until('session_ready')
    expect(ready).toMatchObject({ context_messages: 5, context_tokens: 16 })

    client.send({ type: 'prompt', request_id: 'p', content: 'five five five', max_tokens: 4 })
    const { message: response } = await client.until('response')
    expect(backend.calls[0]?.messages).toEqual([
      { role: 'system', content: 'you are terse' },
      { role: 'user', content: 'three three three' },
      { role: 'assistant', content: 'four four' },
      { role: 'user', content: 'five five five' },
    ])
    expect(response.usage.prompt_tokens).toBe(11)
    expect(response.context).toEqual({ messages: 5, tokens: 12, truncated: true })
  })

  test('cancel ends the stream with a cancelled response carrying the tokens produced', async () => {
    const backend = createScriptedBackend({ tokens: ['partial', ' reply', ' never'], holdAt: 2 })
    await using host = await startHost({ backends: [backend], insecureNoAuth: true })
    const client = await TestClient.connect(host.url)
    await client.init()
    const prompt = client.send<PromptMessage>({ type: 'prompt', request_id: 'c', content: 'go' })
    expect(await client.next()).toMatchObject({ type: 'stream_chunk', seq: 0, content: 'partial' })
    expect(await client.next()).toMatchObject({ type: 'stream_chunk', seq: 1, content: ' reply' })
    const aborted = once(backend.events, 'abort')
    client.send({ type: 'cancel', request_id: 'c' })
    await aborted
    const { message: response, before } = await client.until('response')
    expect(before).toEqual([])
    expect(response).toMatchObject({
      request_id: 'c',
      content: 'partial reply',
      finish_reason: 'cancelled',
      usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 },
    })
    expect(response.transcript_head).toBe(
      nextTranscriptHead(transcriptGenesis, prompt, {
        content: 'partial reply',
        usage: response.usage,
      }),
    )
  })

  test('a queued prompt that is cancelled gets its cancelled response in turn, without generation', async () => {
    const backend = createScriptedBackend({ tokens: ['a', 'b'], holdAt: 1 })
    await using host = await startHost({ backends: [backend], insecureNoAuth: true })
    const client = await TestClient.connect(host.url)
    await client.init()
    client.send({ type: 'prompt', request_id: 'first', content: 'x' })
    await client.until('stream_chunk')
    client.send({ type: 'prompt', request_id: 'second', content: 'y' })
    client.send({ type: 'cancel', request_id: 'second' })
    // The cancel is handled once the host has read it: a ping after it proves that.
    client.send({ type: 'ping' })
    await client.until('pong')
    backend.release()
    const { message: first } = await client.until('response')
    const { message: second, before } = await client.until('response')
    expect(first).toMatchObject({ request_id: 'first', content: 'ab', finish_reason: 'stop' })
    expect(before).toEqual([])
    expect(second).toMatchObject({
      request_id: 'second',
      content: '',
      finish_reason: 'cancelled',
      usage: { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 },
      context: { messages: 2 },
    })
    expect(backend.calls).toHaveLength(1)
  })

  test('a backend that throws mid-reply ends with finish_reason error and the tokens produced', async () => {
    const backend = createScriptedBackend({ tokens: ['good', ' bad'], failAt: 1 })
    await using host = await startHost({ backends: [backend], insecureNoAuth: true })
    const client = await TestClient.connect(host.url)
    await client.init()
    client.send({ type: 'prompt', request_id: 'e', content: 'hi' })
    const { message: response, before } = await client.until('response')
    expect(before).toHaveLength(1)
    expect(response).toMatchObject({
      content: 'good',
      finish_reason: 'error',
      usage: { completion_tokens: 1 },
    })
    // The session goes on.
    client.send({ type: 'ping' })
    expect((await client.next()).type).toBe('pong')
  })

  test('a tokenizer that throws is a backend failure: response with finish_reason error', async () => {
    const backend = createScriptedBackend({ failCountTokens: true })
    await using host = await startHost({ backends: [backend], insecureNoAuth: true })
    const client = await TestClient.connect(host.url)
    await client.init()
    client.send({ type: 'prompt', request_id: 'e', content: 'hi' })
    const { message: response } = await client.until('response')
    expect(response).toMatchObject({
      content: '',
      finish_reason: 'error',
      usage: { total_tokens: 0 },
    })
  })

  test('max_tokens ends the reply with finish_reason length', async () => {
    await using host = await startHost({
      backends: [createScriptedBackend({ tokens: ['a', 'b', 'c'] })],
      insecureNoAuth: true,
    })
    const client = await TestClient.connect(host.url)
    await client.init()
    client.send({ type: 'prompt', request_id: 'l', content: 'hi', max_tokens: 2 })
    const { message: response } = await client.until('response')
    expect(response).toMatchObject({ content: 'ab', finish_reason: 'length' })
  })

  test('a client vanishing mid-stream aborts generation and keeps the session for a resume', async () => {
    const backend = createScriptedBackend({ tokens: ['partial', ' more'], holdAt: 1 })
    await using host = await startHost({ backends: [backend], insecureNoAuth: true })
    const client = await TestClient.connect(host.url)
    await client.init()
    client.send({ type: 'prompt', request_id: 'v', content: 'hello there' })
    await client.until('stream_chunk')
    const aborted = once(backend.events, 'abort')
    const ended = once(backend.events, 'end')
    client.close()
    await aborted
    await ended

    const again = await TestClient.connect(host.url, { messageIndex: client.messageIndex })
    again.send({
      type: 'session_resume',
      token: 'no-auth',
      job_id: '42',
      chain_id: 31337,
      model: 'scripted/model.bin',
      conversation_context: [],
      last_message_index: client.messageIndex,
    })
    const { message: ready } = await again.until('session_ready')
    // The unfinished turn was never delivered, so it is not part of the session.
    expect(ready).toMatchObject({ resumed: true, context_messages: 0 })
    const prompt = again.send<PromptMessage>({ type: 'prompt', request_id: 'w', content: 'retry' })
    backend.release()
    const { message: response } = await again.until('response')
    expect(response.transcript_head).toBe(
      nextTranscriptHead(transcriptGenesis, prompt, {
        content: response.content,
        usage: response.usage,
      }),
    )
  })

  test('a second socket resuming a session takes it over from the first', async () => {
    await using host = await startHost({
      backends: [createScriptedBackend()],
      insecureNoAuth: true,
    })
    const first = await TestClient.connect(host.url)
    await first.init()
    const second = await TestClient.connect(host.url, { messageIndex: first.messageIndex })
    second.send({
      type: 'session_resume',
      token: 'no-auth',
      job_id: '42',
      chain_id: 31337,
      model: 'scripted/model.bin',
      conversation_context: [],
      last_message_index: first.messageIndex,
    })
    await second.until('session_ready')
    expect((await first.closed).code).toBe(4000)
  })

  test('the model can be named by its keccak256 id', async () => {
    await using host = await startHost({
      backends: [createScriptedBackend()],
      insecureNoAuth: true,
    })
    const { models } = (await (await fetch(`${host.url}/v1/models`)).json()) as {
      models: { id: string }[]
    }
    const client = await TestClient.connect(host.url)
    const ready = await client.init({ model: models[0]?.id ?? '' })
    expect(ready.resumed).toBe(false)
  })

  test('closing the host cancels a running generation and closes its sockets with 1001', async () => {
    const backend = createScriptedBackend({ tokens: ['a', 'b'], holdAt: 1 })
    const host = await startHost({ backends: [backend], insecureNoAuth: true })
    const client = await TestClient.connect(host.url)
    await client.init()
    client.send({ type: 'prompt', request_id: 'r', content: 'x' })
    await client.until('stream_chunk')
    await host.close()
    expect((await client.closed).code).toBe(1001)
  })
})
