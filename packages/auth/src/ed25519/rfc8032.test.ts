import { createPrivateKey, createPublicKey, sign } from 'node:crypto'
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js'
import { describe, expect, test } from 'vitest'
import vectors from '../../test/vectors/rfc8032.json' with { type: 'json' }
import { nativeEd25519 } from './nativeEd25519.js'
import { nobleEd25519 } from './nobleEd25519.js'

const implementations = [nativeEd25519, nobleEd25519]

test('the committed vectors are the five of RFC 8032 §7.1', () => {
  expect(vectors.vectors.map((vector) => vector.name)).toEqual([
    'TEST 1',
    'TEST 2',
    'TEST 3',
    'TEST 1024',
    'TEST SHA(abc)',
  ])
  expect(vectors.vectors.map((vector) => vector.message.length / 2)).toEqual([0, 1, 2, 1023, 64])
})

describe.each(implementations)('$name Ed25519 against RFC 8032 §7.1', (ed25519) => {
  test.each(vectors.vectors)('$name', async (vector) => {
    const secretKey = hexToBytes(vector.secretKey)
    const message = hexToBytes(vector.message)
    const publicKey = await ed25519.getPublicKey(secretKey)
    expect(bytesToHex(publicKey)).toBe(vector.publicKey)
    const signature = await ed25519.sign(message, secretKey)
    expect(bytesToHex(signature)).toBe(vector.signature)
    await expect(ed25519.verify(signature, message, publicKey)).resolves.toBe(true)
    const flipped = new Uint8Array(signature)
    flipped[0] = (flipped[0] ?? 0) ^ 1
    await expect(ed25519.verify(flipped, message, publicKey)).resolves.toBe(false)
  })
})

test.each(vectors.vectors)("the vectors hold for Node's own Ed25519 (OpenSSL): $name", (vector) => {
  const der = Buffer.concat([
    Buffer.from('302e020100300506032b657004220420', 'hex'),
    Buffer.from(vector.secretKey, 'hex'),
  ])
  const privateKey = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' })
  const x = createPublicKey(privateKey).export({ format: 'jwk' }).x ?? ''
  expect(Buffer.from(x, 'base64url').toString('hex')).toBe(vector.publicKey)
  expect(sign(null, Buffer.from(vector.message, 'hex'), privateKey).toString('hex')).toBe(
    vector.signature,
  )
})
