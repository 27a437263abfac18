import { createHmac, createPublicKey, verify } from 'node:crypto'
import { base64urlnopad } from '@scure/base'
import { describe, expect, test } from 'vitest'
import { generateSessionKey } from '../generateSessionKey.js'
import { getPublicKey } from '../getPublicKey.js'
import { signMessage } from '../signMessage.js'
import { verifyMessage } from '../verifyMessage.js'
import { issueSessionToken } from './issueSessionToken.js'
import { validateToken } from './validateToken.js'
import { getSessionPublicKey, maxTokenBytes, verifyToken } from './verifyToken.js'

const hostPrivateKey = new Uint8Array(32).fill(1)
const hostPublicKey = await getPublicKey(hostPrivateKey)
const hostAddress = '0x1111111111111111111111111111111111111111'
const clientAddress = '0xAbCdEfabcdefABCDEFabcdefabcdefABCDEFabcd'
const now = 1_750_000_000_000
const sessionKey = await generateSessionKey()

async function issue(overrides: Partial<Parameters<typeof issueSessionToken>[0]> = {}) {
  return issueSessionToken({
    hostPrivateKey,
    hostAddress,
    clientAddress,
    jobId: '42',
    chainId: 84532,
    permissions: ['inference', 'resume'],
    sessionPublicKey: sessionKey.publicKey,
    now,
    ...overrides,
  })
}

const encode = (value: unknown) =>
  base64urlnopad.encode(new TextEncoder().encode(JSON.stringify(value)))
const decode = (part: string) =>
  JSON.parse(new TextDecoder().decode(base64urlnopad.decode(part))) as Record<string, unknown>

async function rejection(token: unknown, options: Partial<Parameters<typeof verifyToken>[1]> = {}) {
  const error = await verifyToken(token, { hostPublicKey, now, ...options }).then(
    () => undefined,
    (caught: unknown) => caught,
  )
  expect(error, 'the token must be refused').toBeDefined()
  return error as { name: string; code: string; message: string }
}

describe('issue and verify', () => {
  test('a token round-trips with the claims of PROTOCOL.md §3', async () => {
    const { token, expiresAt, claims } = await issue()
    expect(expiresAt).toBe((Math.floor(now / 1000) + 900) * 1000)
    const verified = await verifyToken(token, {
      hostPublicKey,
      issuer: '0x1111111111111111111111111111111111111111',
      jobId: 42n,
      chainId: 84532,
      now,
    })
    expect(verified).toEqual(claims)
    expect(verified).toMatchObject({
      iss: hostAddress,
      sub: clientAddress.toLowerCase(),
      aud: 'fabstir:session',
      job_id: '42',
      chain_id: 84532,
      permissions: ['inference', 'resume'],
      cnf: { jwk: { kty: 'OKP', crv: 'Ed25519' } },
      iat: Math.floor(now / 1000),
      exp: Math.floor(now / 1000) + 900,
    })
    expect(verified.jti).toMatch(/^[A-Za-z0-9_-]{22}$/)
    expect(decode(token.split('.')[0] ?? '')).toEqual({ alg: 'EdDSA', typ: 'JWT' })
    expect(getSessionPublicKey(verified)).toBe(sessionKey.publicKey)
    expect(await validateToken(token, { hostPublicKey, now })).toBe(true)
  })

  test("an issued token verifies with Node's own crypto.verify over header.payload", async () => {
    const { token } = await issue()
    const [header, payload, signature] = token.split('.') as [string, string, string]
    const publicKey = createPublicKey({
      key: {
        kty: 'OKP',
        crv: 'Ed25519',
        x: base64urlnopad.encode(Buffer.from(hostPublicKey.slice(2), 'hex')),
      },
      format: 'jwk',
    })
    const ok = verify(
      null,
      Buffer.from(`${header}.${payload}`),
      publicKey,
      Buffer.from(signature, 'base64url'),
    )
    expect(ok).toBe(true)
  })

  test('the proof-of-possession key binds the session: a message signed by another key fails', async () => {
    const { token } = await issue()
    const claims = await verifyToken(token, { hostPublicKey, now })
    const message = { type: 'ping', session_id: '42', message_index: 1, ts: now }
    const good = await signMessage(message, sessionKey)
    expect(await verifyMessage(good, getSessionPublicKey(claims))).toBe(true)
    const intruder = await generateSessionKey()
    const forged = await signMessage(message, intruder)
    expect(await verifyMessage(forged, getSessionPublicKey(claims))).toBe(false)
  })

  test('keys are accepted as 0x hex or bytes; ttl and clock are options', async () => {
    const { token, claims } = await issue({
      hostPrivateKey: `0x${Buffer.from(hostPrivateKey).toString('hex').toUpperCase()}` as const,
      ttlSeconds: 60,
    })
    expect(claims.exp - claims.iat).toBe(60)
    const publicBytes = Buffer.from(hostPublicKey.slice(2), 'hex')
    await expect(verifyToken(token, { hostPublicKey: publicBytes, now })).resolves.toEqual(claims)
  })
})

describe('security: every bad token fails closed with its code', () => {
  test('alg none', async () => {
    const { token } = await issue()
    const [, payload] = token.split('.') as [string, string]
    const unsecured = `${encode({ alg: 'none', typ: 'JWT' })}.${payload}.`
    expect(await rejection(unsecured)).toMatchObject({ name: 'AuthError', code: 'AUTH_FAILED' })
  })

  test("HS256 signed with the host's public key bytes (key confusion)", async () => {
    const { token } = await issue()
    const [, payload] = token.split('.') as [string, string]
    const header = encode({ alg: 'HS256', typ: 'JWT' })
    for (const secret of [
      Buffer.from(hostPublicKey.slice(2), 'hex'),
      Buffer.from(hostPublicKey),
      Buffer.from(hostPublicKey.slice(2)),
    ]) {
      const mac = createHmac('sha256', secret).update(`${header}.${payload}`).digest('base64url')
      const confused = `${header}.${payload}.${mac}`
      expect(await rejection(confused)).toMatchObject({ code: 'AUTH_FAILED' })
    }
  })

  test('expired', async () => {
    const { token } = await issue({ ttlSeconds: 60 })
    expect(await rejection(token, { now: now + 60_000 + 31_000 })).toMatchObject({
      code: 'TOKEN_EXPIRED',
    })
    // within the 30 s default clock skew it still passes
    await expect(
      verifyToken(token, { hostPublicKey, now: now + 60_000 + 29_000 }),
    ).resolves.toBeTruthy()
    expect(await rejection(token, { now: now + 61_000, clockSkewSeconds: 0 })).toMatchObject({
      code: 'TOKEN_EXPIRED',
    })
  })

  test('not yet valid (issued in the future, beyond the skew)', async () => {
    const { token } = await issue({ now: now + 120_000 })
    expect(await rejection(token)).toMatchObject({ code: 'AUTH_FAILED' })
    expect((await rejection(token)).message).toContain('issued in the future')
    await expect(verifyToken(token, { hostPublicKey, now: now + 100_000 })).resolves.toBeTruthy()
  })

  test('not yet valid (nbf in the future)', async () => {
    const token = await forge((claims) => ({ ...claims, nbf: (claims.iat as number) + 120 }))
    const error = await rejection(token)
    expect(error).toMatchObject({ code: 'AUTH_FAILED' })
    expect(error.message).toContain('not valid yet')
  })

  test('wrong aud', async () => {
    const token = await forge((claims) => ({ ...claims, aud: 'fabstir:other' }))
    expect(await rejection(token)).toMatchObject({ code: 'AUTH_FAILED' })
    const { token: good } = await issue()
    expect(await rejection(good, { audience: 'someone-else' })).toMatchObject({
      code: 'AUTH_FAILED',
    })
    const listed = await forge((claims) => ({ ...claims, aud: ['fabstir:session', 'x'] }))
    expect(await rejection(listed)).toMatchObject({ code: 'AUTH_FAILED' })
  })

  test('wrong iss', async () => {
    const { token } = await issue()
    const error = await rejection(token, { issuer: '0x2222222222222222222222222222222222222222' })
    expect(error).toMatchObject({ code: 'AUTH_FAILED' })
    expect(error.message).toContain('another issuer')
  })

  test('a token for another job or chain', async () => {
    const { token } = await issue()
    expect(await rejection(token, { jobId: '43' })).toMatchObject({ code: 'AUTH_FAILED' })
    expect(await rejection(token, { chainId: 1 })).toMatchObject({ code: 'AUTH_FAILED' })
  })

  test('tampered payload', async () => {
    const { token } = await issue()
    const [header, payload, signature] = token.split('.') as [string, string, string]
    const claims = decode(payload)
    const tampered = `${header}.${encode({ ...claims, permissions: ['inference', 'admin'] })}.${signature}`
    const error = await rejection(tampered)
    expect(error).toMatchObject({ code: 'AUTH_FAILED' })
    expect(error.message).toContain('bad signature')
    const otherJob = `${header}.${encode({ ...claims, job_id: '7' })}.${signature}`
    expect(await rejection(otherJob)).toMatchObject({ code: 'AUTH_FAILED' })
  })

  test('tampered signature', async () => {
    const { token } = await issue()
    const [header, payload, signature] = token.split('.') as [string, string, string]
    const bytes = base64urlnopad.decode(signature)
    bytes[10] = (bytes[10] ?? 0) ^ 1
    expect(await rejection(`${header}.${payload}.${base64urlnopad.encode(bytes)}`)).toMatchObject({
      code: 'AUTH_FAILED',
    })
    expect(await rejection(`${header}.${payload}.`)).toMatchObject({ code: 'AUTH_FAILED' })
  })

  test('signed by another host key', async () => {
    const { token } = await issue({ hostPrivateKey: new Uint8Array(32).fill(2) })
    expect(await rejection(token)).toMatchObject({ code: 'AUTH_FAILED' })
  })

  test('oversized token, refused before parsing', async () => {
    const huge = `${'a'.repeat(maxTokenBytes)}.b.c`
    const error = await rejection(huge)
    expect(error).toMatchObject({ code: 'AUTH_FAILED' })
    expect(error.message).toContain(`larger than ${maxTokenBytes} bytes`)
    const padded = await forge((claims) => ({ ...claims, pad: 'x'.repeat(9000) }))
    expect(await rejection(padded)).toMatchObject({ code: 'AUTH_FAILED' })
  })

  test('missing token', async () => {
    for (const missing of [undefined, '', null, 42]) {
      expect(await rejection(missing)).toMatchObject({ code: 'AUTH_REQUIRED' })
    }
    expect(await validateToken(undefined, { hostPublicKey, now })).toBe(false)
  })

  test('malformed tokens and claims', async () => {
    for (const bad of ['a.b', 'not a jwt', '...', 'a.b.c.d.e']) {
      expect(await rejection(bad)).toMatchObject({ code: 'AUTH_FAILED' })
    }
    const mutations: Array<(claims: Record<string, unknown>) => Record<string, unknown>> = [
      (claims) => ({ ...claims, iss: 'host' }),
      (claims) => ({ ...claims, sub: 12 }),
      (claims) => ({ ...claims, job_id: 42 }),
      (claims) => ({ ...claims, job_id: '042' }),
      (claims) => ({ ...claims, chain_id: '84532' }),
      (claims) => ({ ...claims, permissions: ['inference', 'root'] }),
      (claims) => ({ ...claims, permissions: 'inference' }),
      (claims) => ({ ...claims, cnf: undefined }),
      (claims) => ({ ...claims, cnf: { jwk: { kty: 'EC', crv: 'P-256', x: 'AA' } } }),
      (claims) => ({ ...claims, cnf: { jwk: { kty: 'OKP', crv: 'Ed25519', x: 'AAAA' } } }),
      (claims) => ({
        ...claims,
        cnf: { jwk: { ...(claims.cnf as { jwk: object }).jwk, d: 'secret' } },
      }),
      // a small-order point (the identity) as the session key
      (claims) => ({
        ...claims,
        cnf: {
          jwk: {
            kty: 'OKP',
            crv: 'Ed25519',
            x: base64urlnopad.encode(Uint8Array.of(1, ...new Uint8Array(31))),
          },
        },
      }),
      (claims) => ({ ...claims, iat: 1.5 }),
      (claims) => ({ ...claims, nbf: 'soon' }),
      (claims) => ({ ...claims, jti: '' }),
      (claims) => ({ ...claims, jti: undefined }),
      (claims) => ({ ...claims, exp: (claims.iat as number) + 901 }),
    ]
    for (const mutate of mutations) {
      expect(await rejection(await forge(mutate))).toMatchObject({ code: 'AUTH_FAILED' })
    }
  })

  test('errors never contain the token', async () => {
    const { token } = await issue()
    const [header, payload] = token.split('.') as [string, string]
    const error = await rejection(`${header}.${payload}.${'A'.repeat(86)}`)
    expect(error.message).not.toContain(payload)
    expect(JSON.stringify(error)).not.toContain(payload)
    expect((error as { cause?: unknown }).cause).toBeUndefined()
  })
})

describe('argument checks', () => {
  test('issueSessionToken validates its inputs', async () => {
    await expect(issue({ ttlSeconds: 901 })).rejects.toThrow(RangeError)
    await expect(issue({ ttlSeconds: 0 })).rejects.toThrow(RangeError)
    await expect(issue({ now: Number.NaN })).rejects.toThrow(RangeError)
    await expect(issue({ chainId: 0 })).rejects.toThrow(RangeError)
    await expect(issue({ jobId: '0' })).rejects.toThrow(TypeError)
    await expect(issue({ hostAddress: '0x12' })).rejects.toThrow(TypeError)
    // @ts-expect-error: not a permission
    await expect(issue({ permissions: ['root'] })).rejects.toThrow(TypeError)
    await expect(issue({ sessionPublicKey: '0x12' })).rejects.toThrow(TypeError)
    const identity = `0x01${'00'.repeat(31)}` as const
    await expect(issue({ sessionPublicKey: identity })).rejects.toThrow(/not a usable/)
    await expect(issue({ hostPrivateKey: new Uint8Array(31) })).rejects.toThrow(TypeError)
  })

  test('verifyToken refuses a malformed pinned key or skew as configuration errors', async () => {
    const { token } = await issue()
    await expect(verifyToken(token, { hostPublicKey: '0x12' })).rejects.toThrow(TypeError)
    const notAPoint = `0x${'ff'.repeat(31)}7f` as const
    await expect(verifyToken(token, { hostPublicKey: notAPoint })).rejects.toThrow(TypeError)
    await expect(validateToken(token, { hostPublicKey: '0x12' })).rejects.toThrow(TypeError)
    await expect(verifyToken(token, { hostPublicKey, clockSkewSeconds: -1 })).rejects.toThrow(
      RangeError,
    )
    expect(() =>
      getSessionPublicKey({ cnf: { jwk: { kty: 'OKP', crv: 'Ed25519', x: '' } } }),
    ).toThrow(TypeError)
  })
})

/** Builds a token with changed claims, properly signed by the host key (so only the claim is wrong). */
async function forge(
  mutate: (claims: Record<string, unknown>) => Record<string, unknown>,
): Promise<string> {
  const { token } = await issue()
  const [header, payload] = token.split('.') as [string, string]
  const body = encode(mutate(decode(payload)))
  const { nativeEd25519 } = await import('../ed25519/nativeEd25519.js')
  const signature = await nativeEd25519.sign(
    new TextEncoder().encode(`${header}.${body}`),
    hostPrivateKey,
  )
  return `${header}.${body}.${base64urlnopad.encode(signature)}`
}
