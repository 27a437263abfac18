import fc from 'fast-check'
import { afterEach, describe, expect, test, vi } from 'vitest'
import { getEd25519 } from './getEd25519.js'
import { isNativeEd25519Supported, nativeEd25519 } from './nativeEd25519.js'
import { nobleEd25519 } from './nobleEd25519.js'

afterEach(() => {
  vi.unstubAllGlobals()
  vi.resetModules()
})

test('native and noble give the same keys, signatures and verdicts on random input', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.uint8Array({ minLength: 32, maxLength: 32 }),
      fc.uint8Array({ maxLength: 512 }),
      fc.nat({ max: 63 }),
      async (privateKey, message, flip) => {
        const publicKey = await nativeEd25519.getPublicKey(privateKey)
        expect(await nobleEd25519.getPublicKey(privateKey)).toEqual(publicKey)
        const signature = await nativeEd25519.sign(message, privateKey)
        expect(await nobleEd25519.sign(message, privateKey)).toEqual(signature)
        for (const ed25519 of [nativeEd25519, nobleEd25519]) {
          expect(await ed25519.verify(signature, message, publicKey)).toBe(true)
        }
        const tampered = new Uint8Array(signature)
        tampered[flip] = (tampered[flip] ?? 0) ^ 0x10
        const verdicts = await Promise.all(
          [nativeEd25519, nobleEd25519].map((ed25519) =>
            ed25519.verify(tampered, message, publicKey),
          ),
        )
        expect(verdicts).toEqual([false, false])
      },
    ),
    { numRuns: 50 },
  )
})

describe.each([nativeEd25519, nobleEd25519])('$name verify never throws', (ed25519) => {
  const key = new Uint8Array(32).fill(7)
  test('on arguments of the wrong shape it answers false', async () => {
    const publicKey = await ed25519.getPublicKey(key)
    const signature = await ed25519.sign(new Uint8Array([1]), key)
    await expect(ed25519.verify(signature.slice(1), new Uint8Array([1]), publicKey)).resolves.toBe(
      false,
    )
    await expect(ed25519.verify(signature, new Uint8Array([1]), publicKey.slice(1))).resolves.toBe(
      false,
    )
    // @ts-expect-error: a string is not bytes
    await expect(ed25519.verify(signature, 'x', publicKey)).resolves.toBe(false)
    // A public key that is not a curve point (y = p, non-canonical).
    const notAPoint = new Uint8Array(32).fill(0xff)
    notAPoint[31] = 0x7f
    notAPoint[0] = 0xed
    await expect(ed25519.verify(signature, new Uint8Array([1]), notAPoint)).resolves.toBe(false)
  })

  test('a non-canonical S (S + L) is refused, as RFC 8032 asks', async () => {
    const message = new Uint8Array([1, 2, 3])
    const publicKey = await ed25519.getPublicKey(key)
    const signature = await ed25519.sign(message, key)
    const order = 2n ** 252n + 27742317777372353535851937790883648493n
    let s = 0n
    for (let index = 63; index >= 32; index--) s = (s << 8n) | BigInt(signature[index] ?? 0)
    let bumped = s + order
    const malleable = new Uint8Array(signature)
    for (let index = 32; index < 64; index++) {
      malleable[index] = Number(bumped & 0xffn)
      bumped >>= 8n
    }
    await expect(ed25519.verify(malleable, message, publicKey)).resolves.toBe(false)
  })

  test('private keys must be 32 bytes', async () => {
    await expect(ed25519.getPublicKey(new Uint8Array(31))).rejects.toThrow(TypeError)
    await expect(ed25519.sign(new Uint8Array(1), new Uint8Array(33))).rejects.toThrow(TypeError)
    // @ts-expect-error: a string is not bytes
    await expect(ed25519.sign('message', key)).rejects.toThrow(TypeError)
  })
})

describe('getEd25519', () => {
  test('chooses native where the platform has it, and either can be forced', async () => {
    expect(await isNativeEd25519Supported()).toBe(true)
    expect((await getEd25519()).name).toBe('native')
    expect((await getEd25519('auto')).name).toBe('native')
    expect((await getEd25519('native')).name).toBe('native')
    expect((await getEd25519('noble')).name).toBe('noble')
    expect(await getEd25519(nobleEd25519)).toBe(nobleEd25519)
  })

  test('without WebCrypto it falls back to noble, and forcing native fails with UNAVAILABLE', async () => {
    vi.stubGlobal('crypto', undefined)
    vi.resetModules()
    const fresh = await import('./getEd25519.js')
    const native = await import('./nativeEd25519.js')
    expect(await native.isNativeEd25519Supported()).toBe(false)
    expect((await fresh.getEd25519()).name).toBe('noble')
    await expect(fresh.getEd25519('native')).rejects.toMatchObject({ code: 'UNAVAILABLE' })
    await expect(
      native.nativeEd25519.sign(new Uint8Array(1), new Uint8Array(32)),
    ).rejects.toMatchObject({
      code: 'UNAVAILABLE',
    })
    // jose needs WebCrypto Ed25519: JWTs fail with UNAVAILABLE, not with an auth code
    const { issueSessionToken } = await import('../jwt/issueSessionToken.js')
    const { verifyToken } = await import('../jwt/verifyToken.js')
    const publicKey = await nobleEd25519.getPublicKey(new Uint8Array(32).fill(1))
    await expect(
      issueSessionToken({
        hostPrivateKey: new Uint8Array(32).fill(1),
        hostAddress: `0x${'11'.repeat(20)}`,
        clientAddress: `0x${'22'.repeat(20)}`,
        jobId: '1',
        chainId: 1,
        permissions: ['inference'],
        sessionPublicKey: `0x${Buffer.from(publicKey).toString('hex')}`,
      }),
    ).rejects.toMatchObject({ code: 'UNAVAILABLE' })
    await expect(verifyToken('a.b.c', { hostPublicKey: publicKey })).rejects.toMatchObject({
      code: 'UNAVAILABLE',
    })
  })

  test('a WebCrypto without Ed25519 counts as no native support', async () => {
    const subtle = {
      importKey: () => Promise.reject(new DOMException('Unrecognized name', 'NotSupportedError')),
    }
    vi.stubGlobal('crypto', { subtle })
    vi.resetModules()
    const fresh = await import('./getEd25519.js')
    expect((await fresh.getEd25519()).name).toBe('noble')
  })
})
