import { privateKeyToAccount } from 'viem/accounts'
import { expect, test, vi } from 'vitest'
import { issueSessionToken, verifyToken } from '../src/host.js'
import { AuthRequestError, authenticateSession, refreshToken } from '../src/index.js'
import { startTestAuthServer, testChainId, testHostAddress } from './startTestAuthServer.js'

const wallet = privateKeyToAccount(`0x${'42'.repeat(32)}`)

test('refreshToken sends the token as Bearer and returns a fresh one for the same session key', async () => {
  await using server = await startTestAuthServer()
  const session = await authenticateSession({
    hostUrl: server.url,
    jobId: '42',
    chainId: testChainId,
    account: wallet,
  })
  const refreshed = await refreshToken({ hostUrl: server.url, token: session.token })
  expect(server.received.at(-1)).toMatchObject({
    path: '/v1/auth/refresh',
    authorization: `Bearer ${session.token}`,
    body: undefined,
  })
  expect(refreshed.token).not.toBe(session.token)
  expect(refreshed.expiresAt).toBeGreaterThanOrEqual(session.expiresAt)
  const before = await verifyToken(session.token, { hostPublicKey: server.hostKey.publicKey })
  const after = await verifyToken(refreshed.token, {
    hostPublicKey: server.hostKey.publicKey,
    issuer: testHostAddress,
    jobId: '42',
    chainId: testChainId,
  })
  expect(after.cnf).toEqual(before.cnf)
  expect(after.jti).not.toBe(before.jti)
})

test('an expired token is TOKEN_EXPIRED (401), and the error never shows the token', async () => {
  await using server = await startTestAuthServer()
  const { publicKey } = server.hostKey
  const { token } = await issueSessionToken({
    hostPrivateKey: server.hostKey.privateKey,
    hostAddress: testHostAddress,
    clientAddress: wallet.address,
    jobId: '42',
    chainId: testChainId,
    permissions: ['inference'],
    sessionPublicKey: publicKey,
    now: Date.now() - 3_600_000,
  })
  const error = (await refreshToken({ hostUrl: server.url, token }).catch(
    (caught: unknown) => caught,
  )) as AuthRequestError
  expect(AuthRequestError.isInstance(error)).toBe(true)
  expect(error).toMatchObject({ code: 'TOKEN_EXPIRED', status: 401, isRetryable: false })
  expect(`${error.message}\n${error.stack}`).not.toContain(token)
})

test('a malformed answer is BAD_MESSAGE; options are checked first', async () => {
  await using server = await startTestAuthServer()
  server.intercept = () => ({ status: 200, body: { token: '', expires_at: 1 } })
  await expect(refreshToken({ hostUrl: server.url, token: 'a.b.c' })).rejects.toMatchObject({
    name: 'ProtocolError',
    code: 'BAD_MESSAGE',
  })
  const fetchSpy = vi.fn<typeof fetch>()
  for (const token of ['', 'a b', 1 as unknown as string]) {
    await expect(refreshToken({ hostUrl: server.url, token, fetch: fetchSpy })).rejects.toThrow(
      TypeError,
    )
  }
  await expect(refreshToken({ hostUrl: 'ws://x', token: 't', fetch: fetchSpy })).rejects.toThrow(
    TypeError,
  )
  await expect(
    refreshToken({ hostUrl: server.url, token: 't', fetch: 1 as unknown as typeof fetch }),
  ).rejects.toThrow(TypeError)
  expect(fetchSpy).not.toHaveBeenCalled()
})
