import { compressFrame, type ErrorMessage, type HostMessage } from '@fabstir/protocol'
import { afterEach, describe, expect, test } from 'vitest'
import { type StartHostOptions, type StartHostReturnType, startHost } from '../src/startHost.js'
import { createScriptedBackend } from './scriptedBackend.js'
import { TestClient } from './testClient.js'

const hosts: StartHostReturnType[] = []
afterEach(async () => {
  await Promise.all(hosts.splice(0).map((host) => host.close()))
})

async function connect(options: Partial<StartHostOptions> = {}) {
  const host = await startHost({
    backends: [createScriptedBackend()],
    insecureNoAuth: true,
    ...options,
  })
  hosts.push(host)
  return { host, client: await TestClient.connect(host.url) }
}

function expectError(message: HostMessage, code: ErrorMessage['code'], fatal = false) {
  expect(message).toMatchObject({ type: 'error', code, fatal })
  return message as ErrorMessage
}

describe('malformed and refused input gets an error (scripted backend stub)', () => {
  test('text that is not JSON: BAD_MESSAGE, and the socket stays usable', async () => {
    const { client } = await connect()
    client.sendRaw('{not json')
    const error = expectError(await client.next(), 'BAD_MESSAGE')
    expect(error.message).toContain('not valid JSON')
    await client.init()
  })

  test('an unknown type: BAD_MESSAGE naming the session', async () => {
    const { client } = await connect()
    client.sendRaw(JSON.stringify({ type: 'launch', session_id: '42', message_index: 1, ts: 0 }))
    const error = expectError(await client.next(), 'BAD_MESSAGE')
    expect(error.session_id).toBe('42')
    expect(error.message).toContain('Unknown client message type')
  })

  test('missing fields: BAD_MESSAGE naming the field', async () => {
    const { client } = await connect()
    await client.init()
    client.sendRaw(
      JSON.stringify({
        type: 'prompt',
        session_id: '42',
        message_index: 9,
        ts: Date.now(),
        content: 'x',
      }),
    )
    const error = expectError(await client.next(), 'BAD_MESSAGE')
    expect(error.message).toContain('request_id: missing')
  })

  test('a prompt before session_init: SESSION_NOT_FOUND, not fatal', async () => {
    const { client } = await connect()
    client.send({ type: 'prompt', request_id: 'early', content: 'hi' })
    const error = expectError(await client.next(), 'SESSION_NOT_FOUND')
    expect(error.request_id).toBe('early')
    await client.init()
  })

  test('a message for another session: SESSION_NOT_FOUND', async () => {
    const { client } = await connect()
    await client.init()
    client.send({ type: 'ping', session_id: '7' })
    expectError(await client.next(), 'SESSION_NOT_FOUND')
  })

  test('a second session_init on the same socket: BAD_MESSAGE', async () => {
    const { client } = await connect()
    await client.init()
    client.send({
      type: 'session_init',
      token: 't',
      job_id: '42',
      chain_id: 1,
      model: 'scripted/model.bin',
    })
    expectError(await client.next(), 'BAD_MESSAGE')
  })

  test('a text frame over maxMessageBytes: MESSAGE_TOO_LARGE, fatal, then close 1009', async () => {
    const { client } = await connect({ maxMessageBytes: 16 * 1024 })
    await client.init()
    client.sendRaw('x'.repeat(20 * 1024))
    expectError(await client.next(), 'MESSAGE_TOO_LARGE', true)
    expect((await client.closed).code).toBe(1009)
  })

  test('a compressed frame that inflates past the limit: MESSAGE_TOO_LARGE, not fatal', async () => {
    const { client } = await connect({ maxMessageBytes: 16 * 1024 })
    await client.init({ compression: ['gzip'] })
    const huge = JSON.stringify({
      type: 'prompt',
      session_id: '42',
      message_index: 5,
      ts: Date.now(),
      request_id: 'bomb',
      content: 'a'.repeat(64 * 1024),
    })
    client.sendRaw(compressFrame(huge, 'gzip'))
    expectError(await client.next(), 'MESSAGE_TOO_LARGE')
    client.send({ type: 'ping' })
    expect((await client.next()).type).toBe('pong')
  })

  test('a binary frame before compression was negotiated: BAD_MESSAGE', async () => {
    const { client } = await connect()
    client.sendRaw(compressFrame('{"type":"ping"}', 'gzip'))
    const error = expectError(await client.next(), 'BAD_MESSAGE')
    expect(error.message).toContain('negotiated compression')
    await client.init() // no compression offered
    client.sendRaw(compressFrame('{"type":"ping"}', 'gzip'))
    expectError(await client.next(), 'BAD_MESSAGE')
  })

  test('a binary frame with a codec other than the negotiated one: BAD_MESSAGE', async () => {
    const { client } = await connect()
    await client.init({ compression: ['deflate-raw'] })
    client.sendRaw(compressFrame('{"type":"ping"}', 'gzip'))
    expectError(await client.next(), 'BAD_MESSAGE')
  })

  test('a replayed message_index: REPLAYED_MESSAGE', async () => {
    const { client } = await connect()
    await client.init()
    client.send({ type: 'ping' })
    await client.next()
    client.send({ type: 'ping', message_index: client.messageIndex })
    const error = expectError(await client.next(), 'REPLAYED_MESSAGE')
    expect(error.message).toContain(`not above the last accepted ${client.messageIndex}`)
  })

  test('a ts far from the host clock: REPLAYED_MESSAGE', async () => {
    const { client } = await connect()
    await client.init()
    client.send({ type: 'ping', ts: Date.now() - 5 * 60_000 })
    expectError(await client.next(), 'REPLAYED_MESSAGE')
  })

  test('session_resume whose message_index does not follow last_message_index: INVALID_MESSAGE_INDEX, fatal', async () => {
    const { client } = await connect()
    client.send({
      type: 'session_resume',
      token: 't',
      job_id: '42',
      chain_id: 1,
      model: 'scripted/model.bin',
      conversation_context: [],
      last_message_index: 5,
    })
    expectError(await client.next(), 'INVALID_MESSAGE_INDEX', true)
    expect((await client.closed).code).toBe(1008)
  })

  test('session_init again on the host with a used message_index: REPLAYED_MESSAGE, fatal', async () => {
    const { host, client } = await connect()
    await client.init()
    client.close()
    const again = await TestClient.connect(host.url)
    again.send({
      type: 'session_init',
      token: 't',
      job_id: '42',
      chain_id: 1,
      model: 'scripted/model.bin',
    })
    expectError(await again.next(), 'REPLAYED_MESSAGE', true)
  })

  test('an unknown model: MODEL_UNAVAILABLE, fatal', async () => {
    const { client } = await connect()
    client.send({
      type: 'session_init',
      token: 't',
      job_id: '42',
      chain_id: 1,
      model: 'other/model',
    })
    expectError(await client.next(), 'MODEL_UNAVAILABLE', true)
    await client.closed
  })

  test('a chain the host does not serve, or a job_id that is not the session: BAD_MESSAGE, fatal', async () => {
    const { host } = await connect({ chainId: 31337 })
    const wrongChain = await TestClient.connect(host.url)
    wrongChain.send({
      type: 'session_init',
      token: 't',
      job_id: '42',
      chain_id: 1,
      model: 'scripted/model.bin',
    })
    expectError(await wrongChain.next(), 'BAD_MESSAGE', true)
    const wrongJob = await TestClient.connect(host.url)
    wrongJob.send({
      type: 'session_init',
      token: 't',
      job_id: '43',
      chain_id: 31337,
      model: 'scripted/model.bin',
    })
    expectError(await wrongJob.next(), 'BAD_MESSAGE', true)
  })

  test('without insecureNoAuth a session start whose token is not a token is AUTH_FAILED, fatal', async () => {
    const { client } = await connect({ insecureNoAuth: false })
    client.send({
      type: 'session_init',
      token: 't',
      job_id: '42',
      chain_id: 1,
      model: 'scripted/model.bin',
    })
    const error = expectError(await client.next(), 'AUTH_FAILED', true)
    expect(error.message).toContain('malformed token')
    expect((await client.closed).code).toBe(1008)
  })

  test('cancel of an unknown request and a duplicate request_id: BAD_MESSAGE', async () => {
    const backend = createScriptedBackend({ tokens: ['a', 'b'], holdAt: 1 })
    const { client } = await connect({ backends: [backend] })
    await client.init()
    client.send({ type: 'cancel', request_id: 'nothing' })
    expect(expectError(await client.next(), 'BAD_MESSAGE').request_id).toBe('nothing')
    client.send({ type: 'prompt', request_id: 'same', content: 'x' })
    await client.until('stream_chunk')
    client.send({ type: 'prompt', request_id: 'same', content: 'y' })
    expect(expectError(await client.next(), 'BAD_MESSAGE').message).toContain('pending')
    backend.release()
    await client.until('response')
  })

  test('a prompt that cannot fit the context window: CONTEXT_TOO_LARGE for that request', async () => {
    const { client } = await connect({ backends: [createScriptedBackend({ contextWindow: 4 })] })
    await client.init()
    client.send({ type: 'prompt', request_id: 'long', content: 'one two three four five' })
    const error = expectError(await client.next(), 'CONTEXT_TOO_LARGE')
    expect(error.request_id).toBe('long')
  })

  test('messages after session_end: BAD_MESSAGE while it ends', async () => {
    const backend = createScriptedBackend({ tokens: ['a', 'b'], holdAt: 1 })
    const { client } = await connect({ backends: [backend] })
    await client.init()
    client.send({ type: 'prompt', request_id: 'p', content: 'x' })
    await client.until('stream_chunk')
    client.send({ type: 'session_end' })
    client.send({ type: 'ping' })
    // The running prompt is cancelled and answered before session_closed.
    const messages = [await client.next(), await client.next(), await client.next()]
    const types = messages.map((message) => message.type)
    expect([...types].sort()).toEqual(['error', 'response', 'session_closed'])
    expect(types.at(-1)).toBe('session_closed')
    expect(messages.find((message) => message.type === 'response')).toMatchObject({
      finish_reason: 'cancelled',
    })
    expect((await client.closed).code).toBe(1000)
  })

  test('a full host refuses new sessions with UNAVAILABLE but evicts idle ones', async () => {
    const { host, client } = await connect({ maxSessions: 1 })
    await client.init()
    const other = await TestClient.connect(host.url, { sessionId: '43' })
    other.send({
      type: 'session_init',
      token: 't',
      job_id: '43',
      chain_id: 1,
      model: 'scripted/model.bin',
    })
    const error = expectError(await other.next(), 'UNAVAILABLE', true)
    expect(error.retry_after_ms).toBeGreaterThan(0)
    client.close()
    await client.closed
    // Once the first session has no socket, it makes room.
    for (;;) {
      const retry = await TestClient.connect(host.url, { sessionId: '43' })
      retry.send({
        type: 'session_init',
        token: 't',
        job_id: '43',
        chain_id: 1,
        model: 'scripted/model.bin',
      })
      const answer = await retry.next()
      if (answer.type === 'session_ready') break
      await retry.closed // the host had not seen the first socket close yet
    }
  })

  test('an upgrade on another path is refused with 404', async () => {
    const { host } = await connect()
    const { default: WebSocket } = await import('ws')
    const socket = new WebSocket(`${host.url.replace('http', 'ws')}/v1/other`)
    const status = await new Promise<number | undefined>((resolve) => {
      socket.on('unexpected-response', (_request, response) => resolve(response.statusCode))
      socket.on('error', () => resolve(undefined))
    })
    expect(status).toBe(404)
  })
})
