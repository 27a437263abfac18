import { inspect } from 'node:util'
import { signingBytes } from '@fabstir/protocol'
import { base64urlnopad } from '@scure/base'
import { describe, expect, test } from 'vitest'
import { nativeEd25519 } from './ed25519/nativeEd25519.js'
import { generateSessionKey } from './generateSessionKey.js'
import { getPublicKey } from './getPublicKey.js'
import { SessionKey } from './SessionKey.js'
import { signMessage } from './signMessage.js'
import { verifyMessage } from './verifyMessage.js'

const prompt = {
  type: 'prompt',
  session_id: '42',
  message_index: 3,
  ts: 1_700_000_000_000,
  request_id: 'r-1',
  content: 'Hello, ünïcode ✓',
} as const

describe.each(['native', 'noble'] as const)('with the %s implementation', (ed25519) => {
  test('a signed message verifies, and sig is 64 bytes of unpadded base64url over signingBytes', async () => {
    const key = await generateSessionKey({ ed25519 })
    const signed = await signMessage(prompt, key, { ed25519 })
    expect(signed.sig).toMatch(/^[A-Za-z0-9_-]{86}$/)
    const signature = base64urlnopad.decode(signed.sig)
    const publicKey = base64urlnopad.decode(
      base64urlnopad.encode(Buffer.from(key.publicKey.slice(2), 'hex')),
    )
    expect(await nativeEd25519.verify(signature, signingBytes(prompt), publicKey)).toBe(true)
    expect(await verifyMessage(signed, key.publicKey, { ed25519 })).toBe(true)
    expect(await verifyMessage(signed, publicKey, { ed25519 })).toBe(true)
  })

  test('a signature is over the canonical form: key order does not matter, content does', async () => {
    const key = await generateSessionKey({ ed25519 })
    const signed = await signMessage(prompt, key.privateKey, { ed25519 })
    const reordered = Object.fromEntries(Object.entries(signed).reverse())
    expect(await verifyMessage(reordered, key.publicKey, { ed25519 })).toBe(true)
    expect(await verifyMessage({ ...signed, content: 'Hello' }, key.publicKey, { ed25519 })).toBe(
      false,
    )
    expect(await verifyMessage({ ...signed, extra: 1 }, key.publicKey, { ed25519 })).toBe(false)
  })

  test('a message signed by another key than the expected one is refused', async () => {
    const key = await generateSessionKey({ ed25519 })
    const other = await generateSessionKey({ ed25519 })
    const signed = await signMessage(prompt, other, { ed25519 })
    expect(await verifyMessage(signed, key.publicKey, { ed25519 })).toBe(false)
  })
})

test('re-signing replaces an existing sig', async () => {
  const key = await generateSessionKey()
  const once = await signMessage(prompt, key)
  const twice = await signMessage({ ...once, content: 'changed' }, key)
  expect(twice.sig).not.toBe(once.sig)
  expect(await verifyMessage(twice, key.publicKey)).toBe(true)
})

test('verifyMessage answers false, never throws, for malformed input', async () => {
  const key = await generateSessionKey()
  const signed = await signMessage(prompt, key)
  const padded = `${signed.sig}==`
  const cases: unknown[] = [
    null,
    'text',
    [signed],
    { ...signed, sig: undefined },
    { ...signed, sig: 42 },
    { ...signed, sig: '' },
    { ...signed, sig: padded },
    { ...signed, sig: `${signed.sig.slice(0, -1)}+` },
    { ...signed, sig: signed.sig.slice(0, -2) },
    { ...signed, sig: `${signed.sig}AA` },
    { ...signed, sig: signed.sig.replace(/.$/, (last) => (last === 'A' ? 'B' : 'A')) },
    { ...signed, value: Number.NaN },
  ]
  for (const message of cases) {
    await expect(verifyMessage(message, key.publicKey)).resolves.toBe(false)
  }
  await expect(verifyMessage(signed, '0x1234')).resolves.toBe(false)
  await expect(verifyMessage(signed, `0x${'zz'.repeat(32)}`)).resolves.toBe(false)
  // @ts-expect-error: a number is not a key
  await expect(verifyMessage(signed, 7)).resolves.toBe(false)
  await expect(verifyMessage(signed, new Uint8Array(31))).resolves.toBe(false)
  // An implementation that throws is answered with false as well.
  const throwing = {
    name: 'noble' as const,
    getPublicKey: () => Promise.reject(new Error('x')),
    sign: () => Promise.reject(new Error('x')),
    verify: () => Promise.reject(new Error('boom')),
  }
  await expect(verifyMessage(signed, key.publicKey, { ed25519: throwing })).resolves.toBe(false)
})

test('the last base64url character may not carry extra bits (one spelling per signature)', async () => {
  const key = await generateSessionKey()
  const signed = await signMessage(prompt, key)
  // 64 bytes = 85 full sextets + 4 bits: the last character's two low bits must be 0.
  const last = signed.sig.at(-1) ?? 'A'
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
  const respelled = `${signed.sig.slice(0, -1)}${alphabet[alphabet.indexOf(last) | 1]}`
  expect(respelled).not.toBe(signed.sig)
  await expect(verifyMessage({ ...signed, sig: respelled }, key.publicKey)).resolves.toBe(false)
})

describe('SessionKey', () => {
  test('never shows its private key in JSON, inspect, String or a spread', async () => {
    const key = await generateSessionKey()
    const hex = Buffer.from(key.privateKey).toString('hex')
    const b64 = Buffer.from(key.privateKey).toString('base64')
    const views = [
      JSON.stringify(key),
      JSON.stringify({ key }),
      inspect(key, { showHidden: true, depth: 10 }),
      inspect({ nested: { key } }),
      String(key),
      JSON.stringify({ ...key }),
      Object.keys(key).join(','),
    ]
    for (const view of views) {
      expect(view).not.toContain(hex)
      expect(view).not.toContain(b64)
      expect(view).not.toMatch(/\b\d{1,3},\d{1,3},\d{1,3}/) // no byte list
    }
    expect(JSON.parse(JSON.stringify(key))).toEqual({ publicKey: key.publicKey })
    expect(inspect(key)).toContain('[redacted]')
  })

  test('fromPrivateKey rebuilds the same pair; destroy zeroes the private key', async () => {
    const key = await generateSessionKey()
    const copy = await SessionKey.fromPrivateKey(new Uint8Array(key.privateKey), {
      ed25519: 'noble',
    })
    expect(copy.publicKey).toBe(key.publicKey)
    expect(await getPublicKey(copy.privateKey)).toBe(key.publicKey)
    copy.destroy()
    expect(copy.privateKey.every((byte) => byte === 0)).toBe(true)
    expect(() => new SessionKey(new Uint8Array(3), key.publicKey)).toThrow(TypeError)
    await expect(SessionKey.fromPrivateKey(new Uint8Array(3))).rejects.toThrow(TypeError)
  })
})
