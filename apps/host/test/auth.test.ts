import { createChallengeMessage, generateSessionKey } from '@fabstir/auth'
import { AuthError, verifyToken } from '@fabstir/auth/host'
import { decodeHttpBody, ProtocolError } from '@fabstir/protocol'
import { afterEach, describe, expect, test, vi } from 'vitest'
import { createDevelopmentJobVerifier } from '../src/auth/createDevelopmentJobVerifier.js'
import type { JobVerifier } from '../src/auth/JobVerifier.js'
import type { Clock } from '../src/clock.js'
import { type StartHostOptions, type StartHostReturnType, startHost } from '../src/startHost.js'
import {
  chainId,
  createRecordingLogger,
  errorOf,
  getToken,
  otherWallet,
  post,
  tamper,
  wallet,
} from './authHelpers.js'
import { createScriptedBackend } from './scriptedBackend.js'

const hosts: StartHostReturnType[] = []
afterEach(async () => {
  await Promise.all(hosts.splice(0).map((host) => host.close()))
})

async function start(options: Partial<StartHostOptions> = {}) {
  const host = await startHost({
    backends: [createScriptedBackend()],
    jobVerifier: createDevelopmentJobVerifier(),
    logger: createRecordingLogger(),
    ...options,
  })
  hosts.push(host)
  return host
}

async function version(url: string) {
  return decodeHttpBody('version', await (await fetch(`${url}/v1/version`)).text())
}

async function challenge(url: string, fields: Record<string, unknown> = {}) {
  const response = await post(url, '/v1/auth/challenge', {
    job_id: '42',
    chain_id: chainId,
    address: wallet.address,
    ...fields,
  })
  expect(response.status).toBe(200)
  return decodeHttpBody('authChallengeResponse', await response.text())
}

async function tokenRequest(
  url: string,
  { nonce, message }: { nonce: string; message: string },
  fields: Record<string, unknown> = {},
  signer = wallet,
) {
  const sessionKey = await generateSessionKey()
  return post(url, '/v1/auth/token', {
    job_id: '42',
    chain_id: chainId,
    address: wallet.address,
    nonce,
    signature: await signer.signMessage({ message }),
    session_public_key: sessionKey.publicKey,
    ...fields,
  })
}

const inferenceBody = { model: 'scripted/model.bin', prompt: 'hi', max_tokens: 4 }

describe('HTTP authentication (development job verifier, scripted backend stub)', () => {
  test('challenge → wallet signature → token: the token verifies with /v1/version', async () => {
    const now = Date.UTC(2030, 0, 1)
    const clock: Clock = { now: () => now }
    const host = await start({ clock, chainId })
    const { host_address: hostAddress, ed25519_public_key, features } = await version(host.url)
    expect(hostAddress).toMatch(/^0x[0-9a-f]{40}$/) // the development address
    expect(features).toEqual(expect.arrayContaining(['auth', 'signing']))

    const first = await challenge(host.url)
    expect(first.expires_at).toBe(now + 5 * 60_000)
    expect(first.message).toBe(
      createChallengeMessage({
        hostAddress,
        jobId: '42',
        chainId,
        nonce: first.nonce,
        expiresAt: first.expires_at,
      }),
    )
    expect((await challenge(host.url)).nonce).not.toBe(first.nonce)

    const sessionKey = await generateSessionKey()
    const response = await post(host.url, '/v1/auth/token', {
      job_id: '42',
      chain_id: chainId,
      address: wallet.address.toLowerCase(), // any case
      nonce: first.nonce,
      signature: await wallet.signMessage({ message: first.message }),
      session_public_key: sessionKey.publicKey,
    })
    expect(response.status).toBe(200)
    const issued = decodeHttpBody('authTokenResponse', await response.text())
    expect(issued.host_public_key).toBe(ed25519_public_key)
    expect(issued.expires_at).toBe(Math.floor(now / 1000) * 1000 + 900_000)
    const claims = await verifyToken(issued.token, {
      hostPublicKey: ed25519_public_key,
      issuer: hostAddress,
      jobId: '42',
      chainId,
      now,
    })
    expect(claims).toMatchObject({
      sub: wallet.address.toLowerCase(),
      permissions: ['inference', 'resume'],
      cnf: { jwk: { kty: 'OKP', crv: 'Ed25519' } },
    })
  })

  test('the requested permissions are granted, admin never', async () => {
    const host = await start({ tokenTtlSeconds: 120 })
    const sessionKey = await generateSessionKey()
    const { token, expires_at } = await getToken(host.url, {
      sessionKey,
      permissions: ['inference', 'export'],
    })
    const claims = await verifyToken(token, { hostPublicKey: host.publicKey })
    expect(claims.permissions).toEqual(['inference', 'export'])
    expect(claims.exp - claims.iat).toBe(120)
    expect(expires_at).toBe(claims.exp * 1000)

    const admin = await tokenRequest(host.url, await challenge(host.url), {
      permissions: ['inference', 'admin'],
    })
    expect(admin.status).toBe(403)
    expect(await errorOf(admin)).toMatchObject({ code: 'PERMISSION_DENIED' })
  })

  test('nonces: unknown, used, expired, or for another address, job or chain are AUTH_FAILED', async () => {
    let now = Date.now()
    const clock: Clock = { now: () => now }
    const host = await start({ clock })

    const unknown = await tokenRequest(host.url, { nonce: 'made-up', message: 'whatever' })
    expect(unknown.status).toBe(401)
    expect(await errorOf(unknown)).toMatchObject({ code: 'AUTH_FAILED' })
    expect(
      (await errorOf(await tokenRequest(host.url, { nonce: 'x', message: 'y' }))).details,
    ).toContain('unknown or already used nonce')

    const once = await challenge(host.url)
    expect((await tokenRequest(host.url, once)).status).toBe(200)
    const used = await tokenRequest(host.url, once)
    expect(used.status).toBe(401)
    expect((await errorOf(used)).details).toContain('already used')

    const stale = await challenge(host.url)
    now += 5 * 60_000
    const expired = await tokenRequest(host.url, stale)
    expect(expired.status).toBe(401)
    expect((await errorOf(expired)).details).toContain('expired')

    for (const fields of [
      { address: otherWallet.address },
      { job_id: '43' },
      { chain_id: chainId + 1 },
    ]) {
      const bound = await tokenRequest(host.url, await challenge(host.url), fields)
      expect(bound.status).toBe(401)
      expect((await errorOf(bound)).details).toContain('another address, job or chain')
    }
  })

  test('a signature from another wallet is AUTH_FAILED, and the nonce is used up', async () => {
    const host = await start()
    const issued = await challenge(host.url)
    const forged = await tokenRequest(host.url, issued, {}, otherWallet)
    expect(forged.status).toBe(401)
    expect(await errorOf(forged)).toMatchObject({
      code: 'AUTH_FAILED',
      message: 'The wallet signature is not valid',
    })
    expect((await tokenRequest(host.url, issued)).status).toBe(401)
  })

  test('bad bodies, another chain and a small-order session key are BAD_MESSAGE', async () => {
    const host = await start({ chainId })
    const badJson = await post(host.url, '/v1/auth/challenge', '{nope')
    expect(badJson.status).toBe(400)
    const noAddress = await post(host.url, '/v1/auth/challenge', { job_id: '42', chain_id: 1 })
    expect((await errorOf(noAddress)).details).toContain('address')
    const otherChain = await post(host.url, '/v1/auth/challenge', {
      job_id: '42',
      chain_id: 1,
      address: wallet.address,
    })
    expect(await errorOf(otherChain)).toMatchObject({ code: 'BAD_MESSAGE', details: 'chain_id 1' })
    const otherChainToken = await tokenRequest(host.url, await challenge(host.url), {
      chain_id: 1,
    })
    expect(otherChainToken.status).toBe(400)
    const badToken = await post(host.url, '/v1/auth/token', { job_id: '42' })
    expect(badToken.status).toBe(400)

    // The identity point: anyone could sign as it.
    const smallOrder = await tokenRequest(host.url, await challenge(host.url), {
      session_public_key: `0x01${'00'.repeat(31)}`,
    })
    expect(smallOrder.status).toBe(400)
    expect(await errorOf(smallOrder)).toMatchObject({ code: 'BAD_MESSAGE' })
  })

  test('without a JobVerifier the auth endpoints are UNAVAILABLE and say a JobVerifier is required', async () => {
    const host = await start({ jobVerifier: undefined })
    for (const path of ['/v1/auth/challenge', '/v1/auth/token', '/v1/auth/refresh']) {
      const response = await post(host.url, path, {})
      expect(response.status).toBe(503)
      expect(await errorOf(response)).toMatchObject({
        code: 'UNAVAILABLE',
        details: expect.stringContaining('a JobVerifier is required'),
      })
    }
  })

  test('a refusing JobVerifier (stub) is passed on; a failing one is UNAVAILABLE', async () => {
    const verifyJob = vi.fn<JobVerifier['verifyJob']>(async ({ jobId }) => {
      if (jobId === '42') throw new AuthError('AUTH_FAILED', 'Not the depositor of this job')
      if (jobId === '43') {
        throw new ProtocolError('INSUFFICIENT_DEPOSIT', 'The job has no deposit left')
      }
      throw new Error('RPC unreachable')
    })
    const logger = createRecordingLogger()
    const host = await start({ jobVerifier: { verifyJob }, logger, hostAddress: wallet.address })
    const refused = await tokenRequest(host.url, await challenge(host.url))
    expect(refused.status).toBe(401)
    expect(await errorOf(refused)).toMatchObject({ message: 'Not the depositor of this job' })
    expect(verifyJob).toHaveBeenCalledWith(
      {
        jobId: '42',
        chainId,
        depositor: wallet.address.toLowerCase(),
        host: wallet.address.toLowerCase(),
      },
      { signal: expect.any(AbortSignal) },
    )
    const poor = await tokenRequest(host.url, await challenge(host.url, { job_id: '43' }), {
      job_id: '43',
    })
    expect(await errorOf(poor)).toMatchObject({ code: 'INSUFFICIENT_DEPOSIT' })
    const broken = await tokenRequest(host.url, await challenge(host.url, { job_id: '44' }), {
      job_id: '44',
    })
    expect(broken.status).toBe(503)
    expect(await errorOf(broken)).toMatchObject({ code: 'UNAVAILABLE', retry_after_ms: 5000 })
    expect(logger.lines).toContainEqual({ level: 'warn', message: 'job verification failed' })
  })

  test('refresh: a valid token becomes a fresh one with the same claims', async () => {
    let now = Date.now()
    const clock: Clock = { now: () => now }
    const host = await start({ clock })
    const sessionKey = await generateSessionKey()
    const { token } = await getToken(host.url, { sessionKey, permissions: ['inference'] })
    now += 60_000
    const response = await post(host.url, '/v1/auth/refresh', '', {
      authorization: `Bearer ${token}`,
    })
    expect(response.status).toBe(200)
    const refreshed = decodeHttpBody('authRefreshResponse', await response.text())
    const before = await verifyToken(token, { hostPublicKey: host.publicKey, now })
    const after = await verifyToken(refreshed.token, { hostPublicKey: host.publicKey, now })
    expect(after).toEqual({ ...before, iat: before.iat + 60, exp: before.exp + 60, jti: after.jti })
    expect(after.jti).not.toBe(before.jti)
    expect(refreshed.expires_at).toBe(after.exp * 1000)

    const missing = await post(host.url, '/v1/auth/refresh', '')
    expect(missing.status).toBe(401)
    expect(await errorOf(missing)).toMatchObject({ code: 'AUTH_REQUIRED' })
    const basic = await post(host.url, '/v1/auth/refresh', '', { authorization: 'Basic abc' })
    expect(await errorOf(basic)).toMatchObject({ code: 'AUTH_REQUIRED' })
    const tampered = await post(host.url, '/v1/auth/refresh', '', {
      authorization: `Bearer ${tamper(token)}`,
    })
    expect(await errorOf(tampered)).toMatchObject({ code: 'AUTH_FAILED' })
    now += 15 * 60_000
    const expired = await post(host.url, '/v1/auth/refresh', '', {
      authorization: `Bearer ${token}`,
    })
    expect(expired.status).toBe(401)
    expect(await errorOf(expired)).toMatchObject({ code: 'TOKEN_EXPIRED' })
  })

  test('refresh asks the JobVerifier again (stub): a job that ended gets no new token', async () => {
    let ended = false
    const host = await start({
      jobVerifier: {
        verifyJob: async () => {
          if (ended) throw new AuthError('AUTH_FAILED', 'The job is not active')
        },
      },
    })
    const { token } = await getToken(host.url, { sessionKey: await generateSessionKey() })
    ended = true
    const response = await post(host.url, '/v1/auth/refresh', '', {
      authorization: `Bearer ${token}`,
    })
    expect(await errorOf(response)).toMatchObject({ code: 'AUTH_FAILED' })
  })

  test('POST /v1/inference needs a Bearer token with inference', async () => {
    let now = Date.now()
    const clock: Clock = { now: () => now }
    const host = await start({ clock })
    const missing = await post(host.url, '/v1/inference', inferenceBody)
    expect(missing.status).toBe(401)
    expect(await errorOf(missing)).toMatchObject({ code: 'AUTH_REQUIRED' })

    const sessionKey = await generateSessionKey()
    const { token } = await getToken(host.url, { sessionKey })
    const served = await post(host.url, '/v1/inference', inferenceBody, {
      authorization: `Bearer ${token}`,
    })
    expect(served.status).toBe(200)
    expect(decodeHttpBody('inferenceResponse', await served.text()).content).toBe('Hello, world')

    const { token: resumeOnly } = await getToken(host.url, { sessionKey, permissions: ['resume'] })
    const denied = await post(host.url, '/v1/inference', inferenceBody, {
      authorization: `Bearer ${resumeOnly}`,
    })
    expect(denied.status).toBe(403)
    expect(await errorOf(denied)).toMatchObject({ code: 'PERMISSION_DENIED' })

    const tampered = await post(host.url, '/v1/inference', inferenceBody, {
      authorization: `Bearer ${tamper(token)}`,
    })
    expect(tampered.status).toBe(401)
    expect(await errorOf(tampered)).toMatchObject({ code: 'AUTH_FAILED' })

    await using otherHost = await startHost({
      backends: [createScriptedBackend()],
      jobVerifier: createDevelopmentJobVerifier(),
      logger: createRecordingLogger(),
    })
    const { token: foreign } = await getToken(otherHost.url, { sessionKey })
    const otherKey = await post(host.url, '/v1/inference', inferenceBody, {
      authorization: `Bearer ${foreign}`,
    })
    expect(await errorOf(otherKey)).toMatchObject({ code: 'AUTH_FAILED' })

    now += 16 * 60_000
    const expired = await post(host.url, '/v1/inference', inferenceBody, {
      authorization: `Bearer ${token}`,
    })
    expect(await errorOf(expired)).toMatchObject({ code: 'TOKEN_EXPIRED' })
  })

  test('the development verifier is loud: logged at start, a process warning with a silent logger', async () => {
    const logger = createRecordingLogger()
    await start({ logger })
    expect(logger.lines).toContainEqual({
      level: 'warn',
      message: 'development job verifier: every job is accepted, nothing is checked on chain',
    })
    const emitWarning = vi.spyOn(process, 'emitWarning').mockImplementation(() => {})
    try {
      const silent = await startHost({
        backends: [createScriptedBackend()],
        jobVerifier: createDevelopmentJobVerifier(),
      })
      hosts.push(silent)
      expect(emitWarning).toHaveBeenCalledWith(
        'development job verifier: every job is accepted, nothing is checked on chain',
        { code: 'FABSTIR_JOB_VERIFIER' },
      )
    } finally {
      emitWarning.mockRestore()
    }
    const quiet = createRecordingLogger()
    await start({ logger: quiet, jobVerifier: undefined })
    expect(quiet.lines.filter((line) => line.level === 'warn').map((line) => line.message)).toEqual(
      ['no JobVerifier: /v1/auth/token answers UNAVAILABLE, so no client can connect'],
    )
  })

  test('auth options are checked', async () => {
    const backends = [createScriptedBackend()]
    await expect(startHost({ backends, tokenTtlSeconds: 901 })).rejects.toThrow(RangeError)
    await expect(startHost({ backends, tokenTtlSeconds: 0 })).rejects.toThrow(RangeError)
    await expect(startHost({ backends, challengeTtlMs: 0 })).rejects.toThrow(RangeError)
    await expect(startHost({ backends, hostAddress: '0x12' })).rejects.toThrow(TypeError)
  })
})
