import { generateSessionKey, type SessionKey, signMessage, verifyMessage } from '@fabstir/auth'
import type { CheckpointMessage, PromptMessage } from '@fabstir/protocol'
import { describe, expect, test, vi } from 'vitest'
import { type InferenceManagerEvents, type SessionAuthOptions, SigningError } from '../src/index.js'
import { createManager, deferred, nextEvent } from './managerHelpers.js'
import {
  forEachUntilClosed,
  type ScriptedConnection,
  sendChunks,
  serveSession,
  sessionReady,
  startScriptedHost,
  Transcript,
} from './startScriptedHost.js'

const sessionId = '9'
const sessionOptions = { chainId: 84532, model: 'repo/model.gguf' }

/** Keys of a signed session: the host's identity key and the client's session key. */
async function keys(): Promise<{ hostKey: SessionKey; sessionKey: SessionKey }> {
  return { hostKey: await generateSessionKey(), sessionKey: await generateSessionKey() }
}

/** Answers a handshake as a signing host does, with `overrides`. */
async function signedHandshake(
  connection: ScriptedConnection,
  overrides: Parameters<typeof sessionReady>[1] = {},
) {
  const message = await connection.next()
  if (message.type !== 'session_init' && message.type !== 'session_resume') {
    throw new Error(`expected a handshake, got ${message.type}`)
  }
  connection.send(
    sessionReady(message.session_id, {
      resumed: message.type === 'session_resume',
      signing: message.signing === true,
      host_public_key: connection.hostKey?.publicKey ?? `0x${'11'.repeat(32)}`,
      ...overrides,
    }),
  )
  return message
}

function checkpoint(index: number): CheckpointMessage {
  return {
    type: 'checkpoint',
    session_id: sessionId,
    index,
    tokens_claimed: 100,
    cumulative_tokens: 100 * (index + 1),
    proof_hash: `0x${'ab'.repeat(32)}`,
    tx_hash: `0x${'cd'.repeat(32)}`,
  }
}

describe('signed sessions against a scripted ws host with a real host key', () => {
  test('every client message is signed by the session key; host responses are verified', async () => {
    const { hostKey, sessionKey } = await keys()
    await using host = await startScriptedHost((connection) => serveSession(connection), {
      hostKey,
      clientKey: sessionKey.publicKey,
    })
    const manager = createManager()
    await manager.connectToSession(sessionId, host.url, sessionId)
    await manager.initializeSession(sessionId, {
      ...sessionOptions,
      token: 'jwt',
      sessionKey,
      hostPublicKey: hostKey.publicKey.toUpperCase().replace('0X', '0x') as `0x${string}`,
    })
    const first = manager.sendPrompt(sessionId, 'Hello')
    const second = manager.sendPrompt(sessionId, 'Again')
    await expect(first.result).resolves.toMatchObject({ content: 'echo: Hello' })
    await expect(second.result).resolves.toMatchObject({ content: 'echo: Again' })
    expect(manager.getConversation(sessionId)).toHaveLength(4)
    await manager.endSession(sessionId)

    expect(host.received.map((message) => message.type)).toEqual([
      'session_init',
      'prompt',
      'prompt',
      'session_end',
    ])
    expect(host.received[0]).toMatchObject({ type: 'session_init', signing: true, token: 'jwt' })
    for (const message of host.received) {
      expect(await verifyMessage(message, sessionKey.publicKey)).toBe(true)
    }
    expect(host.received.map((message) => message.message_index)).toEqual([1, 2, 3, 4])
  })

  test('without a pinned key, a signed session verifies against session_ready.host_public_key', async () => {
    const { hostKey, sessionKey } = await keys()
    await using host = await startScriptedHost(
      async (connection) => {
        await signedHandshake(connection)
        const prompt = (await connection.expect('prompt')) as PromptMessage
        // Signed by another key than the one session_ready announced.
        const other = await generateSessionKey()
        connection.send(await signMessage(new Transcript().response(prompt, 'forged'), other))
        await connection.closed
      },
      { hostKey, clientKey: sessionKey.publicKey },
    )
    const manager = createManager({ retryCount: 0 })
    await manager.connectToSession(sessionId, host.url, sessionId)
    await manager.initializeSession(sessionId, { ...sessionOptions, sessionKey })
    const error = await manager
      .sendPrompt(sessionId, 'Hi')
      .result.catch((caught: unknown) => caught)
    expect(SigningError.isInstance(error)).toBe(true)
    expect(error).toMatchObject({ code: 'INVALID_SIGNATURE', details: 'sig does not verify' })
    await manager.stop()
  })

  test.each([
    ['missing', 'sig is missing'],
    ['tampered', 'sig does not verify'],
  ])(
    'a %s response signature fails the prompt with INVALID_SIGNATURE; it is not recorded and the session resumes',
    async (kind, details) => {
      const { hostKey, sessionKey } = await keys()
      const transcript = new Transcript()
      await using host = await startScriptedHost(
        async (connection) => {
          if (connection.number > 0) return serveSession(connection, undefined, transcript)
          await signedHandshake(connection)
          const prompt = (await connection.expect('prompt')) as PromptMessage
          sendChunks(connection, prompt, ['echo: ', prompt.content])
          const response = transcript.response(prompt, `echo: ${prompt.content}`)
          if (kind === 'missing') connection.send(response, { sign: false })
          else connection.send({ ...(await signMessage(response, hostKey)), content: 'echo: Bye' })
          await connection.closed
        },
        { hostKey, clientKey: sessionKey.publicKey },
      )
      const manager = createManager()
      await manager.connectToSession(sessionId, host.url, sessionId)
      await manager.initializeSession(sessionId, {
        ...sessionOptions,
        sessionKey,
        hostPublicKey: hostKey.publicKey,
      })
      const resumed = nextEvent(manager, 'ready')
      const error = await manager
        .sendPrompt(sessionId, 'Hi')
        .result.catch((caught: unknown) => caught)
      expect(error).toMatchObject({
        name: 'SigningError',
        code: 'INVALID_SIGNATURE',
        details,
        isRetryable: true,
      })
      expect((error as Error).message).not.toContain(sessionKey.publicKey)
      expect(manager.getConversation(sessionId)).toEqual([])
      // The connection was treated as broken: the session resumed without the forged turn.
      expect((await resumed).detail.resumed).toBe(true)
      await expect(manager.sendPrompt(sessionId, 'Next').result).resolves.toMatchObject({
        content: 'echo: Next',
      })
      const resume = host.received.find((message) => message.type === 'session_resume')
      expect(resume).toMatchObject({ conversation_context: [], signing: true })
      expect(await verifyMessage(resume, sessionKey.publicKey)).toBe(true)
      await manager.stop()
    },
  )

  test('a host whose key is not the pinned one is refused at once (HOST_KEY_MISMATCH)', async () => {
    const { hostKey, sessionKey } = await keys()
    const pinned = await generateSessionKey()
    await using host = await startScriptedHost((connection) => serveSession(connection), {
      hostKey,
      clientKey: sessionKey.publicKey,
    })
    const manager = createManager()
    await manager.connectToSession(sessionId, host.url, sessionId)
    const error = await manager
      .initializeSession(sessionId, {
        ...sessionOptions,
        sessionKey,
        hostPublicKey: pinned.publicKey,
      })
      .catch((caught: unknown) => caught)
    expect(SigningError.isInstance(error)).toBe(true)
    expect(error).toMatchObject({ code: 'HOST_KEY_MISMATCH', isRetryable: false })
    // Not retried: one handshake only.
    expect(host.received.filter((message) => message.type === 'session_init')).toHaveLength(1)
    await manager.stop()
  })

  test('a reconnect that lands on another key closes the session with HOST_KEY_MISMATCH', async () => {
    const { hostKey, sessionKey } = await keys()
    const impostor = await generateSessionKey()
    await using host = await startScriptedHost(
      async (connection) => {
        if (connection.number === 0) {
          await signedHandshake(connection)
          await connection.expect('prompt')
          connection.terminate()
          return
        }
        await signedHandshake(connection, { host_public_key: impostor.publicKey })
        await connection.closed
      },
      { hostKey, clientKey: sessionKey.publicKey },
    )
    const manager = createManager()
    await manager.connectToSession(sessionId, host.url, sessionId)
    await manager.initializeSession(sessionId, {
      ...sessionOptions,
      sessionKey,
      hostPublicKey: hostKey.publicKey,
    })
    const closed = nextEvent(manager, 'closed')
    const stream = manager.sendPrompt(sessionId, 'Hi')
    await expect(stream.result).rejects.toMatchObject({ code: 'HOST_KEY_MISMATCH' })
    expect((await closed).detail.error).toMatchObject({ code: 'HOST_KEY_MISMATCH' })
    expect(manager.getSessionState(sessionId)).toBe('closed')
  })

  test('a host that answers signing: false is SIGNING_REFUSED unless allowUnsignedSession', async () => {
    const { sessionKey } = await keys()
    // A host without a key: it neither signs nor checks (like a development host).
    await using host = await startScriptedHost((connection) => serveSession(connection))
    const manager = createManager()
    await manager.connectToSession(sessionId, host.url, sessionId)
    await expect(
      manager.initializeSession(sessionId, { ...sessionOptions, sessionKey }),
    ).rejects.toMatchObject({ name: 'SigningError', code: 'SIGNING_REFUSED', isRetryable: false })
    await manager.stop()

    await manager.connectToSession(sessionId, host.url, sessionId)
    await manager.initializeSession(sessionId, {
      ...sessionOptions,
      sessionKey,
      allowUnsignedSession: true,
    })
    await expect(manager.sendPrompt(sessionId, 'Hi').result).resolves.toMatchObject({
      content: 'echo: Hi',
    })
    // Still signed by the client.
    expect(await verifyMessage(host.received.at(-1), sessionKey.publicKey)).toBe(true)
    await manager.stop()
  })

  test('token_expiring: refreshToken is called, the stream goes on, and the next session_resume carries the new token', async () => {
    const { hostKey, sessionKey } = await keys()
    const refreshed = deferred()
    const transcript = new Transcript()
    await using host = await startScriptedHost(
      async (connection) => {
        if (connection.number > 0) return serveSession(connection, undefined, transcript)
        await signedHandshake(connection)
        const prompt = (await connection.expect('prompt')) as PromptMessage
        sendChunks(connection, prompt, ['one '])
        connection.send({
          type: 'token_expiring',
          session_id: sessionId,
          expires_at: Date.now() + 60_000,
        })
        await refreshed.promise
        sendChunks(connection, prompt, ['two'], 1)
        connection.send(transcript.response(prompt, 'one two'))
        await connection.expect('prompt')
        connection.terminate()
      },
      { hostKey, clientKey: sessionKey.publicKey },
    )
    const refreshToken = vi.fn(async (token: string) => ({
      token: `${token}+1`,
      expiresAt: Date.now() + 900_000,
    }))
    const manager = createManager()
    manager.addEventListener('token-refreshed', () => refreshed.resolve())
    const refreshedEvent = nextEvent(manager, 'token-refreshed')
    await manager.connectToSession(sessionId, host.url, sessionId)
    await manager.initializeSession(sessionId, {
      ...sessionOptions,
      token: 'token-1',
      sessionKey,
      hostPublicKey: hostKey.publicKey,
      refreshToken,
    })
    const first = manager.sendPrompt(sessionId, 'Count')
    await expect(first.result).resolves.toMatchObject({ content: 'one two' })
    expect(refreshToken).toHaveBeenCalledTimes(1)
    expect(refreshToken).toHaveBeenCalledWith('token-1')
    expect((await refreshedEvent).detail).toMatchObject({ sessionId })
    // The host drops the socket on the next prompt: the resume carries the refreshed token.
    await expect(manager.sendPrompt(sessionId, 'More').result).resolves.toMatchObject({
      content: 'echo: More',
    })
    const resume = host.received.find((message) => message.type === 'session_resume')
    expect(resume).toMatchObject({ token: 'token-1+1', signing: true })
    await manager.stop()
  })

  test('a token is refreshed before its known expiry; failures are reported and the session goes on', async () => {
    const { hostKey, sessionKey } = await keys()
    const staleExpiresAt = Date.now() + 1_000
    await using host = await startScriptedHost(
      async (connection) => {
        await signedHandshake(connection)
        await forEachUntilClosed(connection, 'prompt', (prompt) => {
          // The host's notice for the token it holds (the first one, on this socket).
          connection.send({ type: 'token_expiring', expires_at: staleExpiresAt })
          sendChunks(connection, prompt, ['ok'])
          connection.send(new Transcript().response(prompt, 'ok'))
        })
      },
      { hostKey, clientKey: sessionKey.publicKey },
    )
    let calls = 0
    const refreshToken = vi.fn(async () => {
      calls++
      if (calls === 1) throw new Error('refresh endpoint down')
      return { token: 'fresh', expiresAt: Date.now() + 900_000 }
    })
    const manager = createManager({ tokenRefreshMarginMs: 60_000 })
    const failed = nextEvent(manager, 'token-refresh-failed')
    await manager.connectToSession(sessionId, host.url, sessionId)
    await manager.initializeSession(sessionId, {
      ...sessionOptions,
      token: 'stale',
      tokenExpiresAt: staleExpiresAt,
      sessionKey,
      refreshToken,
    })
    // Within the margin already: refreshed at once, and that failed.
    const { error } = (await failed).detail
    expect(SigningError.isInstance(error)).toBe(true)
    expect(error).toMatchObject({ code: 'TOKEN_REFRESH_FAILED', isRetryable: false })
    expect((error.cause as Error).message).toBe('refresh endpoint down')
    expect(refreshToken).toHaveBeenCalledWith('stale')
    expect(manager.getSessionState(sessionId)).toBe('ready')
    // The host's token_expiring tries again; the prompt is answered meanwhile.
    const refreshedEvent = nextEvent(manager, 'token-refreshed')
    await expect(manager.sendPrompt(sessionId, 'Hi').result).resolves.toMatchObject({
      content: 'ok',
    })
    expect((await refreshedEvent).detail.expiresAt).toBeGreaterThan(Date.now())
    // The same notice again concerns the token already replaced: ignored.
    await expect(manager.sendPrompt(sessionId, 'Again').result).resolves.toMatchObject({
      content: 'ok',
    })
    expect(refreshToken).toHaveBeenCalledTimes(2)
    await manager.stop()
  })

  test('checkpoints are verified and emitted; a forged one is not', async () => {
    const { hostKey, sessionKey } = await keys()
    await using host = await startScriptedHost(
      async (connection) => {
        if (connection.number > 0) return serveSession(connection)
        await signedHandshake(connection)
        connection.send(checkpoint(0))
        connection.send({ ...(await signMessage(checkpoint(1), hostKey)), tokens_claimed: 1 })
        await connection.closed
      },
      { hostKey, clientKey: sessionKey.publicKey },
    )
    const manager = createManager()
    const checkpoints: InferenceManagerEvents['checkpoint']['detail'][] = []
    manager.addEventListener('checkpoint', (event) => checkpoints.push(event.detail))
    const first = nextEvent(manager, 'checkpoint')
    const resumed = new Promise<void>((resolve) =>
      manager.addEventListener('ready', (event) => event.detail.resumed && resolve()),
    )
    await manager.connectToSession(sessionId, host.url, sessionId)
    await manager.initializeSession(sessionId, {
      ...sessionOptions,
      sessionKey,
      hostPublicKey: hostKey.publicKey,
    })
    expect((await first).detail).toMatchObject({
      sessionId,
      verified: true,
      checkpoint: { index: 0, cumulative_tokens: 100 },
    })
    // The forged one broke the connection; the session resumed.
    await resumed
    expect(checkpoints.map((item) => item.checkpoint.index)).toEqual([0])
    await manager.stop()
  })
})

describe('unsigned sessions are unchanged', () => {
  test('no signing, no sig; responses and checkpoints are taken unverified', async () => {
    await using host = await startScriptedHost(async (connection) => {
      await signedHandshake(connection)
      connection.send(checkpoint(0))
      const prompt = (await connection.expect('prompt')) as PromptMessage
      connection.send({ ...new Transcript().response(prompt, 'plain'), sig: 'A'.repeat(86) })
      await connection.closed
    })
    const manager = createManager()
    const checkpointEvent = nextEvent(manager, 'checkpoint')
    await manager.connectToSession(sessionId, host.url, sessionId)
    await manager.initializeSession(sessionId, { ...sessionOptions, token: 'jwt' })
    expect((await checkpointEvent).detail.verified).toBe(false)
    await expect(manager.sendPrompt(sessionId, 'Hi').result).resolves.toMatchObject({
      content: 'plain',
    })
    for (const message of host.received) {
      expect(message).not.toHaveProperty('sig')
      expect(message).not.toHaveProperty('signing')
    }
    await manager.stop()
  })

  test('authentication options are checked before anything is sent', async () => {
    await using host = await startScriptedHost((connection) => serveSession(connection))
    const manager = createManager()
    await manager.connectToSession(sessionId, host.url, sessionId)
    const bad: [SessionAuthOptions, ErrorConstructor][] = [
      [{ token: '' }, TypeError],
      [{ sessionKey: { publicKey: '0x00' } as unknown as SessionKey }, TypeError],
      [{ hostPublicKey: '0x1234' }, TypeError],
      [{ refreshToken: 'no' as unknown as () => Promise<never> }, TypeError],
      [{ tokenExpiresAt: Number.NaN }, RangeError],
    ]
    for (const [options, kind] of bad) {
      await expect(
        manager.initializeSession(sessionId, { ...sessionOptions, ...options }),
      ).rejects.toThrow(kind)
    }
    expect(host.received).toEqual([])
    expect(() => createManager({ tokenRefreshMarginMs: -1 })).toThrow(RangeError)
    await manager.stop()
  })
})
