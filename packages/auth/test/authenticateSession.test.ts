import { ProtocolError } from '@fabstir/protocol'
import { privateKeyToAccount } from 'viem/accounts'
import { describe, expect, test, vi } from 'vitest'
import { getSessionPublicKey, verifyToken } from '../src/host.js'
import {
  AuthRequestError,
  authenticateSession,
  type ChallengeSigner,
  generateSessionKey,
} from '../src/index.js'
import { startTestAuthServer, testChainId, testHostAddress } from './startTestAuthServer.js'

// A fixed test key (never a real wallet).
const wallet = privateKeyToAccount(`0x${'42'.repeat(32)}`)

/** The wallet, with a spy on what it is asked to sign. */
function spiedWallet(): ChallengeSigner & { signed: string[] } {
  const signed: string[] = []
  return {
    address: wallet.address,
    signed,
    signMessage: async ({ message }) => {
      signed.push(message)
      return wallet.signMessage({ message })
    },
  }
}

describe('authenticateSession against the test auth server', () => {
  test('challenge → wallet signature → token bound to a fresh session key', async () => {
    await using server = await startTestAuthServer()
    const account = spiedWallet()
    const result = await authenticateSession({
      hostUrl: server.url,
      jobId: 42n,
      chainId: testChainId,
      account,
    })
    expect(result.hostPublicKey).toBe(server.hostKey.publicKey)
    expect(result.hostAddress).toBe(testHostAddress)
    expect(result.expiresAt).toBeGreaterThan(Date.now())
    const claims = await verifyToken(result.token, {
      hostPublicKey: server.hostKey.publicKey,
      issuer: testHostAddress,
      jobId: '42',
      chainId: testChainId,
    })
    expect(claims.sub).toBe(wallet.address.toLowerCase())
    expect(claims.permissions).toEqual(['inference', 'resume'])
    expect(getSessionPublicKey(claims)).toBe(result.sessionKey.publicKey)
    // the wallet signed exactly the challenge, once
    expect(account.signed).toHaveLength(1)
    expect(account.signed[0]).toContain('Job ID: 42\n')
    expect(server.received.map((request) => request.path)).toEqual([
      '/v1/auth/challenge',
      '/v1/auth/token',
    ])
    expect(server.received[0]?.body).toEqual({
      job_id: '42',
      chain_id: testChainId,
      address: wallet.address.toLowerCase(),
    })
    expect(server.received[1]?.body).not.toHaveProperty('permissions')
  })

  test('a given session key, permissions and the pinned host address are used', async () => {
    await using server = await startTestAuthServer()
    const sessionKey = await generateSessionKey()
    const result = await authenticateSession({
      hostUrl: `${server.url}/`,
      jobId: '7',
      chainId: testChainId,
      account: wallet,
      hostAddress: testHostAddress.toUpperCase().replace('0X', '0x') as `0x${string}`,
      sessionKey,
      permissions: ['inference'],
    })
    expect(result.sessionKey).toBe(sessionKey)
    expect(server.received[1]?.body).toMatchObject({
      session_public_key: sessionKey.publicKey,
      permissions: ['inference'],
    })
    const claims = await verifyToken(result.token, { hostPublicKey: server.hostKey.publicKey })
    expect(claims.permissions).toEqual(['inference'])
  })

  test('refuses to sign a challenge for another job, chain or host, or with extra text', async () => {
    await using server = await startTestAuthServer()
    const tampers: [string, (message: string) => string, string][] = [
      ['job', (message) => message.replace('Job ID: 42', 'Job ID: 43'), 'Job ID'],
      [
        'chain',
        (message) => message.replace(`Chain ID: ${testChainId}`, 'Chain ID: 1'),
        'Chain ID',
      ],
      ['extra', (message) => `${message}\nAlso: transfer everything`, 'extra text'],
      ['wording', (message) => message.replace('does not send', 'sends'), 'line 3'],
      ['no host', (message) => message.replace(/^Host: .*$/m, 'Host: me'), 'does not name a host'],
      [
        'host not in lowercase',
        (message) => message.replace(/^Host: 0x[0-9a-f]{40}$/m, `Host: 0x${'AB'.repeat(20)}`),
        'does not name a host',
      ],
    ]
    for (const [name, tamper, details] of tampers) {
      server.intercept = (path, answer) =>
        path === '/v1/auth/challenge'
          ? {
              ...answer,
              body: {
                ...(answer.body as object),
                message: tamper((answer.body as { message: string }).message),
              },
            }
          : undefined
      const account = spiedWallet()
      const error = await authenticateSession({
        hostUrl: server.url,
        jobId: '42',
        chainId: testChainId,
        account,
      }).catch((caught: unknown) => caught)
      expect(AuthRequestError.isInstance(error), name).toBe(true)
      expect(error, name).toMatchObject({ code: 'CHALLENGE_MISMATCH', isRetryable: false })
      expect((error as AuthRequestError).details, name).toContain(details)
      expect(account.signed, name).toEqual([])
    }
    // nothing was posted to /v1/auth/token
    expect(server.received.every((request) => request.path === '/v1/auth/challenge')).toBe(true)
  })

  test('refuses a challenge naming another host than the pinned one', async () => {
    await using server = await startTestAuthServer()
    const account = spiedWallet()
    await expect(
      authenticateSession({
        hostUrl: server.url,
        jobId: '42',
        chainId: testChainId,
        account,
        hostAddress: '0x2222222222222222222222222222222222222222',
      }),
    ).rejects.toMatchObject({ code: 'CHALLENGE_MISMATCH', details: 'its "Host" differs' })
    expect(account.signed).toEqual([])
  })

  test('host error bodies become AuthRequestErrors with code and status, without secrets', async () => {
    await using server = await startTestAuthServer()
    server.intercept = (path) =>
      path === '/v1/auth/token'
        ? {
            status: 429,
            body: { error: { code: 'RATE_LIMITED', message: 'slow down', retry_after_ms: 1500 } },
          }
        : undefined
    const error = (await authenticateSession({
      hostUrl: server.url,
      jobId: '42',
      chainId: testChainId,
      account: wallet,
    }).catch((caught: unknown) => caught)) as AuthRequestError
    expect(error).toMatchObject({
      name: 'AuthRequestError',
      code: 'RATE_LIMITED',
      status: 429,
      retryAfterMs: 1500,
      isRetryable: true,
      details: 'slow down',
    })
    const { signature, session_public_key } = (server.received[1]?.body ?? {}) as Record<
      string,
      string
    >
    expect(`${error.message} ${error.stack}`).not.toContain(signature)
    expect(error.message).not.toContain(session_public_key)

    // The server's own refusal: a nonce used twice is AUTH_FAILED (401).
    server.intercept = undefined
    let replayed = false
    const replaying: typeof fetch = async (url, init) => {
      if (String(url).endsWith('/v1/auth/token') && !replayed) {
        replayed = true
        await fetch(url, init as RequestInit)
      }
      return fetch(url, init as RequestInit)
    }
    await expect(
      authenticateSession({
        hostUrl: server.url,
        jobId: '42',
        chainId: testChainId,
        account: wallet,
        fetch: replaying,
      }),
    ).rejects.toMatchObject({ code: 'AUTH_FAILED', status: 401, isRetryable: false })
  })

  test('a failure status without an error body is HTTP_ERROR; Retry-After is read', async () => {
    await using server = await startTestAuthServer()
    server.intercept = () => ({ status: 503, body: 'down', headers: { 'retry-after': '2' } })
    await expect(
      authenticateSession({ hostUrl: server.url, jobId: '1', chainId: 1, account: wallet }),
    ).rejects.toMatchObject({
      code: 'HTTP_ERROR',
      status: 503,
      retryAfterMs: 2000,
      isRetryable: true,
    })
    server.intercept = () => ({
      status: 400,
      body: { error: { code: 'BAD_MESSAGE', message: 'no' } },
    })
    await expect(
      authenticateSession({ hostUrl: server.url, jobId: '1', chainId: 1, account: wallet }),
    ).rejects.toMatchObject({ code: 'BAD_MESSAGE', status: 400, isRetryable: false })
  })

  test('a malformed answer is a ProtocolError', async () => {
    await using server = await startTestAuthServer()
    server.intercept = (path, answer) =>
      path === '/v1/auth/token'
        ? { ...answer, body: { ...(answer.body as object), host_public_key: 'nope' } }
        : undefined
    const error = await authenticateSession({
      hostUrl: server.url,
      jobId: '42',
      chainId: testChainId,
      account: wallet,
    }).catch((caught: unknown) => caught)
    expect(ProtocolError.isInstance(error)).toBe(true)
    expect(error).toMatchObject({ code: 'BAD_MESSAGE' })
  })

  test('an unreachable host is NETWORK_ERROR (retryable)', async () => {
    const server = await startTestAuthServer()
    const url = server.url
    await server.close()
    await expect(
      authenticateSession({ hostUrl: url, jobId: '1', chainId: 1, account: wallet }),
    ).rejects.toMatchObject({ code: 'NETWORK_ERROR', isRetryable: true })
  })

  test('abort and timeout reject with the signal’s reason', async () => {
    // A stub at the fetch interface that answers only by failing when aborted.
    const hanging = vi.fn<typeof fetch>(
      (_url, init) =>
        new Promise((_resolve, reject) => {
          init?.signal?.addEventListener('abort', () => reject(init.signal?.reason))
        }),
    )
    const options = { hostUrl: 'http://127.0.0.1:9', jobId: '1', chainId: 1, account: wallet }
    await expect(
      authenticateSession({ ...options, fetch: hanging, timeoutMs: 20 }),
    ).rejects.toMatchObject({ name: 'TimeoutError' })
    const controller = new AbortController()
    const reason = new Error('stop')
    const pending = authenticateSession({ ...options, fetch: hanging, signal: controller.signal })
    controller.abort(reason)
    await expect(pending).rejects.toBe(reason)
  })

  test('the wallet is not asked again once the deadline passed', async () => {
    await using server = await startTestAuthServer()
    const controller = new AbortController()
    const slowWallet: ChallengeSigner = {
      address: wallet.address,
      signMessage: async (args) => {
        controller.abort(new Error('user left'))
        return wallet.signMessage(args)
      },
    }
    await expect(
      authenticateSession({
        hostUrl: server.url,
        jobId: '42',
        chainId: testChainId,
        account: slowWallet,
        signal: controller.signal,
      }),
    ).rejects.toThrow('user left')
    expect(server.received.map((request) => request.path)).toEqual(['/v1/auth/challenge'])
  })

  test('options are checked before anything is sent', async () => {
    const fetchSpy = vi.fn<typeof fetch>()
    const base = {
      hostUrl: 'http://127.0.0.1:1',
      jobId: '1',
      chainId: 1,
      account: wallet,
      fetch: fetchSpy,
    }
    const bad: [Partial<Parameters<typeof authenticateSession>[0]>, ErrorConstructor][] = [
      [{ hostUrl: 'ftp://x' }, TypeError],
      [{ hostUrl: 'not a url' }, TypeError],
      [{ hostUrl: 'http://user:secret@127.0.0.1:1' }, TypeError],
      [{ jobId: '0' }, TypeError],
      [{ chainId: 0 }, RangeError],
      [{ account: {} as ChallengeSigner }, TypeError],
      [{ account: { address: '0x12', signMessage: wallet.signMessage } }, TypeError],
      [{ hostAddress: '0x12' }, TypeError],
      [{ permissions: ['root' as 'admin'] }, TypeError],
      [{ timeoutMs: -1 }, RangeError],
      [{ fetch: 'no' as unknown as typeof fetch }, TypeError],
    ]
    for (const [override, kind] of bad) {
      await expect(authenticateSession({ ...base, ...override })).rejects.toThrow(kind)
    }
    expect(fetchSpy).not.toHaveBeenCalled()
  })
})
