import { generateSessionKey, type SessionKey, signMessage, verifyMessage } from '@fabstir/auth'
import {
  decodeHttpBody,
  type ErrorMessage,
  type HostMessage,
  type PromptMessage,
} from '@fabstir/protocol'
import { afterEach, describe, expect, onTestFinished, test, vi } from 'vitest'
import WebSocket from 'ws'
import { createDevelopmentJobVerifier } from '../src/auth/createDevelopmentJobVerifier.js'
import type { Clock } from '../src/clock.js'
import { type StartHostOptions, type StartHostReturnType, startHost } from '../src/startHost.js'
import { chainId, createRecordingLogger, getToken, post, tamper } from './authHelpers.js'
import { createScriptedBackend } from './scriptedBackend.js'
import { TestClient } from './testClient.js'

const hosts: StartHostReturnType[] = []
afterEach(async () => {
  await Promise.all(hosts.splice(0).map((host) => host.close()))
})

async function start(options: Partial<StartHostOptions> = {}) {
  const host = await startHost({
    backends: [createScriptedBackend({ tokens: ['Signed', ' reply'] })],
    jobVerifier: createDevelopmentJobVerifier(),
    logger: createRecordingLogger(),
    chainId,
    ...options,
  })
  hosts.push(host)
  return host
}

const sessionInit = (token: string, fields: Record<string, unknown> = {}) =>
  ({
    type: 'session_init',
    token,
    job_id: '42',
    chain_id: chainId,
    model: 'scripted/model.bin',
    ...fields,
  }) as const

function expectError(message: HostMessage, code: ErrorMessage['code'], fatal = false) {
  expect(message).toMatchObject({ type: 'error', code, fatal })
  return message as ErrorMessage
}

/**
 * Records every frame handed to a `ws` socket's `send` in this process (the host's sockets and the
 * test clients'), and whether that socket was still open then. Restored when the test ends.
 */
function recordSocketSends(): { open: boolean; frame: string }[] {
  const sends: { open: boolean; frame: string }[] = []
  const send = WebSocket.prototype.send
  const spy = vi.spyOn(WebSocket.prototype, 'send').mockImplementation(function (
    this: WebSocket,
    ...args: Parameters<typeof send>
  ) {
    const [data] = args
    sends.push({ open: this.readyState === WebSocket.OPEN, frame: String(data) })
    return send.apply(this, args)
  })
  onTestFinished(() => spy.mockRestore())
  return sends
}

/** A signed session of job `jobId` on a host with authentication, ready for prompts. */
async function signedSession(url: string, sessionKey: SessionKey, jobId = '42') {
  const client = await TestClient.connect(url, { sessionId: jobId })
  const { token: issued } = await getToken(url, { sessionKey, jobId })
  await client.sendSigned(sessionInit(issued, { signing: true, job_id: jobId }), sessionKey)
  const { message: ready } = await client.until('session_ready')
  return { client, ready, token: issued }
}

describe('authenticated WebSocket sessions (development job verifier, scripted backend stub)', () => {
  test('token, signed session_init, signed prompts; signed responses verify with /v1/version', async () => {
    const host = await start()
    const version = decodeHttpBody('version', await (await fetch(`${host.url}/v1/version`)).text())
    const sessionKey = await generateSessionKey()
    const { client, ready, token } = await signedSession(host.url, sessionKey)
    expect(ready).toMatchObject({ signing: true, host_public_key: version.ed25519_public_key })

    for (const [turn, content] of ['First?', 'Second?'].entries()) {
      const prompt = await client.sendSigned<PromptMessage>(
        { type: 'prompt', request_id: `r${turn}`, content },
        sessionKey,
      )
      const { message: response } = await client.until('response')
      expect(response).toMatchObject({
        message_index: prompt.message_index,
        content: 'Signed reply',
      })
      expect(await verifyMessage(response, version.ed25519_public_key)).toBe(true)
      expect(
        await verifyMessage({ ...response, content: 'forged' }, version.ed25519_public_key),
      ).toBe(false)
    }

    // Refresh, then resume on a new socket with the fresh token (it keeps `resume`).
    const refreshed = decodeHttpBody(
      'authRefreshResponse',
      await (
        await post(host.url, '/v1/auth/refresh', '', { authorization: `Bearer ${token}` })
      ).text(),
    )
    client.close()
    await client.closed
    const again = await TestClient.connect(host.url, { messageIndex: client.messageIndex })
    await again.sendSigned(
      {
        type: 'session_resume',
        token: refreshed.token,
        job_id: '42',
        chain_id: chainId,
        model: 'scripted/model.bin',
        conversation_context: [],
        last_message_index: client.messageIndex,
        signing: true,
      },
      sessionKey,
    )
    const { message: resumed } = await again.until('session_ready')
    expect(resumed).toMatchObject({ resumed: true, context_messages: 4, signing: true })
    await again.sendSigned({ type: 'session_end' }, sessionKey)
    await again.until('session_closed')
  })

  test('without signing: true the token alone opens the session and messages go unsigned', async () => {
    const host = await start()
    const sessionKey = await generateSessionKey()
    const { token } = await getToken(host.url, { sessionKey })
    const client = await TestClient.connect(host.url)
    expect(await client.init({ token })).toMatchObject({ signing: false })
    client.send({ type: 'prompt', request_id: 'r', content: 'hi' })
    const { message } = await client.until('response')
    expect(message.content).toBe('Signed reply')
  })

  test('a token for another job, from another host key, tampered or expired is refused, fatal', async () => {
    let now = Date.now()
    const clock: Clock = { now: () => now }
    const host = await start({ clock })
    const sessionKey = await generateSessionKey()
    const { token } = await getToken(host.url, { sessionKey })

    const otherJob = await getToken(host.url, { sessionKey, jobId: '43' })
    const wrongJob = await TestClient.connect(host.url)
    wrongJob.send(sessionInit(otherJob.token))
    const error = expectError(await wrongJob.next(), 'AUTH_FAILED', true)
    expect(error).toMatchObject({
      session_id: '42',
      message: expect.stringContaining('another job'),
    })
    expect((await wrongJob.closed).code).toBe(1008)

    const otherHost = await start()
    const foreign = await getToken(otherHost.url, { sessionKey })
    const wrongKey = await TestClient.connect(host.url)
    wrongKey.send(sessionInit(foreign.token))
    expectError(await wrongKey.next(), 'AUTH_FAILED', true)

    const tampered = await TestClient.connect(host.url)
    tampered.send(sessionInit(tamper(token)))
    expectError(await tampered.next(), 'AUTH_FAILED', true)

    now += 16 * 60_000
    const expired = await TestClient.connect(host.url)
    expired.send({ ...sessionInit(token), ts: now })
    expectError(await expired.next(), 'TOKEN_EXPIRED', true)
  })

  test('permissions: a prompt without inference and a resume without resume are PERMISSION_DENIED', async () => {
    const host = await start()
    const sessionKey = await generateSessionKey()
    const resumeOnly = await getToken(host.url, { sessionKey, permissions: ['resume'] })
    const client = await TestClient.connect(host.url)
    await client.init({ token: resumeOnly.token })
    client.send({ type: 'prompt', request_id: 'r1', content: 'hi' })
    const denied = expectError(await client.next(), 'PERMISSION_DENIED')
    expect(denied).toMatchObject({
      request_id: 'r1',
      message: expect.stringContaining('inference'),
    })
    client.send({ type: 'ping' }) // not fatal
    expect(await client.next()).toMatchObject({ type: 'pong' })

    const inferenceOnly = await getToken(host.url, { sessionKey, permissions: ['inference'] })
    const resumer = await TestClient.connect(host.url, { messageIndex: client.messageIndex })
    resumer.send({
      type: 'session_resume',
      token: inferenceOnly.token,
      job_id: '42',
      chain_id: chainId,
      model: 'scripted/model.bin',
      conversation_context: [],
      last_message_index: client.messageIndex,
    })
    expectError(await resumer.next(), 'PERMISSION_DENIED', true)
    expect((await resumer.closed).code).toBe(1008)
  })

  test('with signing negotiated, an unsigned or wrongly signed message is INVALID_SIGNATURE, fatal', async () => {
    const host = await start()
    const sessionKey = await generateSessionKey()
    const otherKey = await generateSessionKey()

    const unsigned = await signedSession(host.url, sessionKey)
    unsigned.client.send({ type: 'prompt', request_id: 'r', content: 'hi' })
    expectError(await unsigned.client.next(), 'INVALID_SIGNATURE', true)
    expect((await unsigned.client.closed).code).toBe(1008)

    const wrongKey = await signedSession(host.url, sessionKey, '43')
    await wrongKey.client.sendSigned({ type: 'ping' }, otherKey)
    expectError(await wrongKey.client.next(), 'INVALID_SIGNATURE', true)

    // Signed, then changed: the signature no longer covers it.
    const changed = await signedSession(host.url, sessionKey, '44')
    const prompt = await signMessage(
      {
        type: 'prompt',
        session_id: '44',
        message_index: changed.client.messageIndex + 1,
        ts: Date.now(),
        request_id: 'r',
        content: 'hi',
      },
      sessionKey,
    )
    changed.client.sendRaw(JSON.stringify({ ...prompt, content: 'something else' }))
    expectError(await changed.client.next(), 'INVALID_SIGNATURE', true)
  })

  test('session_init asking for signing must itself be signed by the token key', async () => {
    const host = await start()
    const sessionKey = await generateSessionKey()
    const { token } = await getToken(host.url, { sessionKey })
    const unsigned = await TestClient.connect(host.url)
    unsigned.send(sessionInit(token, { signing: true }))
    expectError(await unsigned.next(), 'INVALID_SIGNATURE', true)
    const otherKey = await TestClient.connect(host.url)
    await otherKey.sendSigned(sessionInit(token, { signing: true }), await generateSessionKey())
    expectError(await otherKey.next(), 'INVALID_SIGNATURE', true)
    // A refused signature does not use up the index: message_index 1 is still accepted.
    const signed = await TestClient.connect(host.url)
    await signed.sendSigned(sessionInit(token, { signing: true }), sessionKey)
    expect((await signed.next()).type).toBe('session_ready')
  })

  test('signed messages are still checked for replay: a used message_index or a stale ts', async () => {
    const host = await start()
    const sessionKey = await generateSessionKey()
    const { client } = await signedSession(host.url, sessionKey)
    await client.sendSigned({ type: 'ping' }, sessionKey)
    expect(await client.next()).toMatchObject({ type: 'pong' })
    await client.sendSigned({ type: 'ping', message_index: client.messageIndex }, sessionKey)
    expectError(await client.next(), 'REPLAYED_MESSAGE')
    await client.sendSigned({ type: 'ping', ts: Date.now() - 5 * 60_000 }, sessionKey)
    const stale = expectError(await client.next(), 'REPLAYED_MESSAGE')
    expect(stale.message).toContain('outside the window')
  })

  test('token_expiring arrives 60 s before exp', async () => {
    let now = Date.now()
    const clock: Clock = { now: () => now }
    // A 60 s token is within the notice at once: the notice follows session_ready.
    const host = await start({ clock, tokenTtlSeconds: 60 })
    const sessionKey = await generateSessionKey()
    const { client } = await signedSession(host.url, sessionKey)
    const notice = await client.next()
    expect(notice).toMatchObject({ type: 'token_expiring', session_id: '42' })
    const expiresAt = (notice as { expires_at: number }).expires_at
    expect(expiresAt).toBe(Math.floor(now / 1000) * 1000 + 60_000)
    // Past exp the socket still serves the session: the session key keeps proving the client.
    now += 5 * 60_000
    await client.sendSigned({ type: 'ping', ts: now }, sessionKey)
    expect(await client.next()).toMatchObject({ type: 'pong' })
  })

  test('token_expiring waits for its time and is not sent after the socket closed', async () => {
    // The host's clock stands still on a whole second, so every token has the same exp and the
    // notice is due exactly 3 s after session_ready (63 s tokens, notice 60 s before exp): a wide
    // margin for a session to end before its notice, however loaded the machine.
    const noticeDelayMs = 3_000
    const now = Math.floor(Date.now() / 1000) * 1000
    const host = await start({ clock: { now: () => now }, tokenTtlSeconds: 63 })
    const sends = recordSocketSends()
    const sessionKey = await generateSessionKey()

    // Session 43 ends, and the host closes its socket, long before its notice is due.
    const closed = await signedSession(host.url, sessionKey, '43')
    await closed.client.sendSigned({ type: 'session_end' }, sessionKey)
    await closed.client.until('session_closed')
    await closed.client.closed

    // Session 42 opens afterwards with the same exp, so its notice timer fires after 43's would
    // have: once 42's notice arrives, 43's is past due.
    const openedAt = Date.now()
    const { client } = await signedSession(host.url, sessionKey)
    expect(await client.next()).toEqual({
      type: 'token_expiring',
      session_id: '42',
      expires_at: now + 63_000,
    })
    // A lower bound only (load makes the notice later, never earlier); at once would be ~0 ms.
    expect(Date.now() - openedAt).toBeGreaterThanOrEqual(noticeDelayMs - 500)

    expect(closed.client.received.map(({ message }) => message.type)).toEqual([
      'session_ready',
      'session_closed',
    ])
    // The host's side: nothing was handed to a socket after it closed, and no notice for 43.
    expect(sends.filter(({ open }) => !open)).toEqual([])
    expect(sends.filter(({ frame }) => frame.includes('token_expiring'))).toEqual([
      { open: true, frame: expect.stringContaining('"session_id":"42"') },
    ])
  })

  test('insecureNoAuth ignores tokens and signing, and sends no token_expiring', async () => {
    await using host = await startHost({
      backends: [createScriptedBackend()],
      insecureNoAuth: true,
    })
    const client = await TestClient.connect(host.url)
    const ready = await client.init({ token: 'not-a-token', signing: true })
    expect(ready.signing).toBe(false)
    client.send({ type: 'ping' })
    expect(await client.next()).toMatchObject({ type: 'pong' })
  })
})
