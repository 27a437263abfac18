import type { ErrorMessage, HostMessage } from '@fabstir/protocol'
import { afterEach, describe, expect, test } from 'vitest'
import { WebSocket } from 'ws'
import { type StartHostOptions, type StartHostReturnType, startHost } from '../src/startHost.js'
import { rawExchange } from './rawExchange.js'
import { createScriptedBackend } from './scriptedBackend.js'
import { TestClient } from './testClient.js'

// Each of these killed the whole host process once (STYLE.md rule 41): every test ends by showing
// that the host still serves others.

const hosts: StartHostReturnType[] = []
afterEach(async () => {
  await Promise.all(hosts.splice(0).map((host) => host.close()))
})

async function start(options: Partial<StartHostOptions> = {}) {
  const host = await startHost({
    backends: [createScriptedBackend()],
    insecureNoAuth: true,
    ...options,
  })
  hosts.push(host)
  return host
}

async function expectServing(host: StartHostReturnType) {
  const response = await fetch(`${host.url}/health`)
  expect(response.status).toBe(200)
  // Another client, on a session of its own.
  const client = await TestClient.connect(host.url, { sessionId: '7' })
  await client.init()
  client.send({ type: 'prompt', request_id: 'other', content: 'hi' })
  expect((await client.until('response')).message.request_id).toBe('other')
  client.close()
}

describe('malformed request targets, before any authentication', () => {
  const targets = ['//[', 'http://[', 'http://%']

  test.each(targets)('GET %s: 400 BAD_MESSAGE, and the host keeps serving', async (target) => {
    const host = await start()
    const answer = await rawExchange(host.port, `GET ${target} HTTP/1.1\r\nHost: x\r\n\r\n`)
    expect(answer).toMatch(/^HTTP\/1\.1 400 /)
    expect(answer).toContain('"code":"BAD_MESSAGE"')
    await expectServing(host)
  })

  test.each(targets)(
    'a WebSocket upgrade to %s: 400, socket closed, host serving',
    async (target) => {
      const host = await start()
      const answer = await rawExchange(
        host.port,
        `GET ${target} HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n` +
          'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
      )
      expect(answer).toMatch(/^HTTP\/1\.1 400 /)
      expect(answer).toContain('"code":"BAD_MESSAGE"')
      await expectServing(host)
    },
  )
})

/** A raw WebSocket client that collects the host's messages as plain JSON. */
async function rawClient(url: string) {
  const socket = new WebSocket(`${url.replace(/^http/, 'ws')}/v1/session`)
  const received: HostMessage[] = []
  let wake: (() => void) | undefined
  socket.on('message', (data) => {
    received.push(JSON.parse(String(data)) as HostMessage)
    wake?.()
  })
  socket.on('error', () => {})
  await new Promise((resolve) => socket.once('open', resolve))
  return {
    socket,
    received,
    async waitFor(type: HostMessage['type']): Promise<HostMessage> {
      for (;;) {
        const found = received.find((message) => message.type === type)
        if (found !== undefined) return found
        await new Promise<void>((resolve) => {
          wake = resolve
        })
      }
    },
  }
}

const init = (index: number) =>
  JSON.stringify({
    type: 'session_init',
    session_id: '42',
    message_index: index,
    ts: Date.now(),
    token: 'no-auth',
    job_id: '42',
    chain_id: 31337,
    model: 'scripted/model.bin',
  })

// A prompt as JSON text, `\ud800` escaped as a client would send it (`extra` is more JSON).
const promptText = (index: number, requestId: string, extra: string) =>
  `{"type":"prompt","session_id":"42","message_index":${index},"ts":${Date.now()},` +
  `"request_id":"${requestId}",${extra}}`

describe('a lone surrogate in a prompt (no canonical JSON form), scripted backend stub', () => {
  test.each([
    ['in content', '"content":"a \\ud800"'],
    ['in an unknown field', '"content":"hi","x_note":{"deep":["\\udc00"]}'],
  ])('%s: BAD_MESSAGE with the request_id, and the host keeps serving', async (_where, extra) => {
    const host = await start()
    const client = await rawClient(host.url)
    client.socket.send(init(1))
    await client.waitFor('session_ready')
    client.socket.send(promptText(2, 'lone', extra))
    const error = (await client.waitFor('error')) as ErrorMessage
    expect(error).toMatchObject({ code: 'BAD_MESSAGE', request_id: 'lone', fatal: false })
    // The session still answers a good prompt, and other clients are served.
    client.socket.send(promptText(3, 'good', '"content":"hi"'))
    expect(await client.waitFor('response')).toMatchObject({ request_id: 'good' })
    client.socket.terminate()
    await expectServing(host)
  })

  test('queued behind a held prompt and then cancelled: refused at once, host serving', async () => {
    const backend = createScriptedBackend({ holdAt: 0 })
    const host = await start({ backends: [backend] })
    const client = await rawClient(host.url)
    client.socket.send(init(1))
    await client.waitFor('session_ready')
    client.socket.send(promptText(2, 'held', '"content":"hi"'))
    client.socket.send(promptText(3, 'lone', '"content":"\\ud800"'))
    const error = (await client.waitFor('error')) as ErrorMessage
    expect(error).toMatchObject({ code: 'BAD_MESSAGE', request_id: 'lone' })
    client.socket.send(
      JSON.stringify({
        type: 'cancel',
        session_id: '42',
        message_index: 4,
        ts: Date.now(),
        request_id: 'lone',
      }),
    )
    backend.release()
    expect(await client.waitFor('response')).toMatchObject({ request_id: 'held' })
    client.socket.terminate()
    await expectServing(host)
  })
})

describe('a failure inside one prompt pipeline', () => {
  test('a stub backend yielding a lone surrogate: INTERNAL for that request, host serving', async () => {
    // The reply has no canonical form, so its transcript head cannot be computed: a pipeline
    // failure the decoder cannot prevent, since it comes from the model.
    const backend = createScriptedBackend({
      tokens: (messages) => (messages.at(-1)?.content === 'break' ? ['a', ' \ud800'] : ['ok']),
    })
    const host = await start({ backends: [backend] })
    const client = await rawClient(host.url)
    client.socket.send(init(1))
    await client.waitFor('session_ready')
    client.socket.send(promptText(2, 'broken', '"content":"break"'))
    const error = (await client.waitFor('error')) as ErrorMessage
    expect(error).toMatchObject({ code: 'INTERNAL', request_id: 'broken', fatal: false })
    expect(client.received.some((message) => message.type === 'response')).toBe(false)
    // The failed turn is not recorded: the session goes on from where it was.
    client.socket.send(promptText(3, 'next', '"content":"hi"'))
    expect(await client.waitFor('response')).toMatchObject({
      request_id: 'next',
      context: { messages: 2 },
    })
    client.socket.terminate()
    await expectServing(host)
  })
})
