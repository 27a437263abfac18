import { once } from 'node:events'
import { request as httpRequest } from 'node:http'
import { generateSessionKey } from '@fabstir/auth'
import { decodeHttpBody, type HostMessage } from '@fabstir/protocol'
import { afterEach, describe, expect, test } from 'vitest'
import { WebSocket } from 'ws'
import { createDevelopmentJobVerifier } from '../src/auth/createDevelopmentJobVerifier.js'
import { type StartHostOptions, type StartHostReturnType, startHost } from '../src/startHost.js'
import { chainId, createRecordingLogger, errorOf, post, wallet } from './authHelpers.js'
import { rawExchange } from './rawExchange.js'
import { createScriptedBackend } from './scriptedBackend.js'
import { TestClient } from './testClient.js'

// Idle sockets, socket floods, foreign web pages, challenge floods and oversized headers
// (STYLE.md rule 41): each test ends by showing that the host still serves others. All on
// loopback; a second client address is 127.0.0.2 (Linux routes all of 127/8 to loopback).

const hosts: StartHostReturnType[] = []
const sockets: WebSocket[] = []
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.terminate()
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

const upgrade = (extra = '') =>
  `GET /v1/session HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n` +
  `Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n${extra}\r\n`

/** A WebSocket to the host's `/v1/session` that is open (and sends nothing by itself). */
async function openSocket(
  url: string,
  options: ConstructorParameters<typeof WebSocket>[2] = {},
): Promise<WebSocket> {
  const socket = new WebSocket(`${url.replace(/^http/, 'ws')}/v1/session`, options)
  sockets.push(socket)
  socket.on('error', () => {})
  await once(socket, 'open')
  return socket
}

/** Messages a socket receives, and how it closed. */
function watch(socket: WebSocket) {
  const received: HostMessage[] = []
  socket.on('message', (data) => received.push(JSON.parse(String(data)) as HostMessage))
  const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)))
  return { received, closed }
}

async function expectServing(host: StartHostReturnType) {
  const response = await fetch(`${host.url}/health`)
  expect(response.status).toBe(200)
  const client = await TestClient.connect(host.url, { sessionId: '7' })
  await client.init()
  client.send({ type: 'prompt', request_id: 'other', content: 'hi' })
  expect((await client.until('response')).message.request_id).toBe('other')
  client.close()
}

/** Retries until the host has counted closed sockets out (bounded). */
async function expectServingSoon(host: StartHostReturnType) {
  for (let attempt = 0; attempt < 100; attempt += 1) {
    try {
      const socket = await openSocket(host.url)
      socket.terminate()
      break
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
  }
  await expectServing(host)
}

const init = (sessionId: string, index = 1) =>
  JSON.stringify({
    type: 'session_init',
    session_id: sessionId,
    message_index: index,
    ts: Date.now(),
    token: 'no-auth',
    job_id: sessionId,
    chain_id: 31337,
    model: 'scripted/model.bin',
  })

/** POSTs JSON from a given local address (node:http, so the source address can be chosen). */
function postFrom(
  localAddress: string,
  url: string,
  path: string,
  body: unknown,
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const text = JSON.stringify(body)
    const request = httpRequest(
      `${url}${path}`,
      {
        method: 'POST',
        localAddress,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) },
      },
      (response) => {
        let answer = ''
        response.setEncoding('utf8')
        response.on('data', (chunk: string) => {
          answer += chunk
        })
        response.on('end', () => resolve({ status: response.statusCode ?? 0, text: answer }))
      },
    )
    request.on('error', reject)
    request.end(text)
  })
}

describe('sockets that never open a session', () => {
  test('are closed after firstMessageTimeoutMs with a fatal error and 1008', async () => {
    const host = await start({ firstMessageTimeoutMs: 100 })
    const idle = await Promise.all(Array.from({ length: 5 }, () => openSocket(host.url)))
    const watched = idle.map(watch)
    for (const { received, closed } of watched) {
      expect(await closed).toBe(1008)
      expect(received).toMatchObject([{ type: 'error', code: 'BAD_MESSAGE', fatal: true }])
    }
    await expectServing(host)
  })
})

describe('socket caps, before any WebSocket is created', () => {
  test('past maxSocketsPerAddress: 429 RATE_LIMITED; other addresses still served', async () => {
    const host = await start({ maxSocketsPerAddress: 3 })
    await Promise.all(Array.from({ length: 3 }, () => openSocket(host.url)))
    const answer = await rawExchange(host.port, upgrade())
    expect(answer).toMatch(/^HTTP\/1\.1 429 /)
    expect(answer).toContain('"code":"RATE_LIMITED"')
    expect(answer).toMatch(/retry-after: 1\r\n/i)
    // Another address opens a session while the flood holds its sockets.
    const other = await openSocket(host.url, { localAddress: '127.0.0.2' })
    const { received } = watch(other)
    other.send(init('8'))
    for (let wait = 0; wait < 250 && received.length === 0; wait += 1) {
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
    expect(received[0]).toMatchObject({ type: 'session_ready' })
    for (const socket of sockets.splice(0)) socket.terminate()
    await expectServingSoon(host)
  })

  test('past maxSockets: 503 UNAVAILABLE; served again once sockets close', async () => {
    const host = await start({ maxSockets: 3 })
    await Promise.all(Array.from({ length: 3 }, () => openSocket(host.url)))
    const answer = await rawExchange(host.port, upgrade())
    expect(answer).toMatch(/^HTTP\/1\.1 503 /)
    expect(answer).toContain('"code":"UNAVAILABLE"')
    expect((await fetch(`${host.url}/health`)).status).toBe(200)
    for (const socket of sockets.splice(0)) socket.terminate()
    await expectServingSoon(host)
  })
})

describe('keep-alive (PROTOCOL.md §1, revision 2), scripted backend stub', () => {
  test('a client that answers no ping is cut; its session stays resumable', async () => {
    const host = await start({ pingIntervalMs: 40, pongTimeoutMs: 200 })
    const mute = await openSocket(host.url, { autoPong: false })
    const { received, closed } = watch(mute)
    let pings = 0
    mute.on('ping', () => {
      pings += 1
    })
    mute.send(init('42'))
    const code = await closed
    expect(received[0]).toMatchObject({ type: 'session_ready' })
    expect(pings).toBeGreaterThanOrEqual(1)
    expect(code).toBe(1006) // cut, no close handshake: the peer is presumed gone

    const again = await TestClient.connect(host.url, { messageIndex: 1 })
    again.send({
      type: 'session_resume',
      token: 'no-auth',
      job_id: '42',
      chain_id: 31337,
      model: 'scripted/model.bin',
      conversation_context: [],
      last_message_index: 1,
    })
    expect((await again.until('session_ready')).message).toMatchObject({ resumed: true })
    again.close()
    await expectServing(host)
  })

  test('a client that answers pings stays open past pongTimeoutMs', async () => {
    const host = await start({ pingIntervalMs: 40, pongTimeoutMs: 200 })
    const client = await TestClient.connect(host.url)
    await client.init()
    let pings = 0
    client.socket.on('ping', () => {
      pings += 1
    })
    // Bounded: wait for enough pings that well over pongTimeoutMs of silence has passed.
    for (let wait = 0; wait < 500 && pings < 8; wait += 1) {
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
    expect(pings).toBeGreaterThanOrEqual(8)
    expect(client.socket.readyState).toBe(WebSocket.OPEN)
    client.send({ type: 'prompt', request_id: 'late', content: 'hi' })
    expect((await client.until('response')).message.request_id).toBe('late')
    client.close()
  })
})

describe('browser origins', () => {
  const inference = { model: 'scripted/model.bin', prompt: 'hi', max_tokens: 2 }
  const foreign = [
    'https://evil.example',
    'null',
    'http://[',
    '%%',
    'http://127.0.0.1:8080/path',
    'https://evil.example, http://localhost:1',
    'javascript:alert(1)',
    'http://127.0.0.1.evil.example',
  ]

  test.each(foreign)('%s: 403 PERMISSION_DENIED on upgrade and POST', async (origin) => {
    const host = await start()
    const answer = await rawExchange(host.port, upgrade(`Origin: ${origin}\r\n`))
    expect(answer).toMatch(/^HTTP\/1\.1 403 /)
    expect(answer).toContain('"code":"PERMISSION_DENIED"')
    for (const path of ['/v1/inference', '/v1/auth/challenge', '/v1/auth/token']) {
      const response = await post(host.url, path, inference, { origin })
      expect(response.status).toBe(403)
      expect((await errorOf(response)).code).toBe('PERMISSION_DENIED')
    }
    await expectServing(host)
  })

  test.each([
    'http://127.0.0.1:5173',
    'http://localhost:3000',
    'http://[::1]:1',
    'https://localhost',
  ])('loopback origin %s is served', async (origin) => {
    const host = await start()
    expect((await post(host.url, '/v1/inference', inference, { origin })).status).toBe(200)
    const socket = await openSocket(host.url, { origin })
    expect(socket.readyState).toBe(WebSocket.OPEN)
  })

  test('allowedOrigins lets listed origins in; "*" lets every one in', async () => {
    const listed = await start({ allowedOrigins: ['https://App.example/'] })
    const headers = { origin: 'https://app.example' }
    expect((await post(listed.url, '/v1/inference', inference, headers)).status).toBe(200)
    await openSocket(listed.url, headers)
    const other = { origin: 'https://other.example' }
    expect((await post(listed.url, '/v1/inference', inference, other)).status).toBe(403)
    const any = await start({ allowedOrigins: ['*'] })
    expect((await post(any.url, '/v1/inference', inference, other)).status).toBe(200)
    await expect(start({ allowedOrigins: ['app.example'] })).rejects.toThrow(TypeError)
  })
})

describe('/v1/auth/challenge floods (development job verifier)', () => {
  const challengeBody = { job_id: '42', chain_id: chainId, address: wallet.address }

  test('past challengesPerMinute from one address: 429 RATE_LIMITED with retry_after_ms', async () => {
    const host = await start({
      insecureNoAuth: false,
      jobVerifier: createDevelopmentJobVerifier(),
      logger: createRecordingLogger(),
      challengesPerMinute: 3,
    })
    for (let index = 0; index < 3; index += 1) {
      expect((await post(host.url, '/v1/auth/challenge', challengeBody)).status).toBe(200)
    }
    const refused = await post(host.url, '/v1/auth/challenge', challengeBody)
    expect(refused.status).toBe(429)
    expect(refused.headers.get('retry-after')).toMatch(/^\d+$/)
    const error = await errorOf(refused)
    expect(error.code).toBe('RATE_LIMITED')
    expect(error.retry_after_ms).toBeGreaterThan(0)
    // Another address still gets its challenge.
    expect(
      (await postFrom('127.0.0.2', host.url, '/v1/auth/challenge', challengeBody)).status,
    ).toBe(200)
    expect((await fetch(`${host.url}/health`)).status).toBe(200)
  })

  test('one address cannot evict the challenge of another', async () => {
    const host = await start({
      insecureNoAuth: false,
      jobVerifier: createDevelopmentJobVerifier(),
      logger: createRecordingLogger(),
      maxChallenges: 4,
      maxChallengesPerAddress: 2,
      challengesPerMinute: 1000,
    })
    const issued = await post(host.url, '/v1/auth/challenge', challengeBody)
    const challenge = decodeHttpBody('authChallengeResponse', await issued.text())
    for (let index = 0; index < 20; index += 1) {
      const flood = await postFrom('127.0.0.2', host.url, '/v1/auth/challenge', challengeBody)
      expect(flood.status).toBe(200)
    }
    const sessionKey = await generateSessionKey()
    const token = await post(host.url, '/v1/auth/token', {
      ...challengeBody,
      nonce: challenge.nonce,
      signature: await wallet.signMessage({ message: challenge.message }),
      session_public_key: sessionKey.publicKey,
    })
    expect(token.status).toBe(200)
  })
})

describe('oversized request headers', () => {
  test.each([
    ['GET /health', 'GET /health HTTP/1.1\r\nHost: x\r\n'],
    ['an upgrade', upgrade().slice(0, -2)],
  ])('%s with a 20 kB header: 431, then closed; host serving', async (_what, start_) => {
    const host = await start()
    const answer = await rawExchange(host.port, `${start_}X-Big: ${'a'.repeat(20_000)}\r\n\r\n`)
    expect(answer).toMatch(/^HTTP\/1\.1 431 /)
    expect(answer).toContain('"code":"MESSAGE_TOO_LARGE"')
    await expectServing(host)
  })
})
