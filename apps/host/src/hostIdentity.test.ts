import { createPublicKey, generateKeyPairSync, sign, verify } from 'node:crypto'
import { generateSessionKey, verifyMessage } from '@fabstir/auth'
import { verifyToken } from '@fabstir/auth/host'
import { type ResponseMessage, signingBytes, transcriptGenesis } from '@fabstir/protocol'
import { describe, expect, test } from 'vitest'
import { developmentHostAddress } from './auth/developmentHostAddress.js'
import { createHostIdentity } from './hostIdentity.js'

const response: ResponseMessage = {
  type: 'response',
  session_id: '1',
  request_id: 'r',
  message_index: 2,
  content: 'hi',
  finish_reason: 'stop',
  usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
  context: { messages: 2, tokens: 2, truncated: false },
  transcript_head: transcriptGenesis,
}

describe('createHostIdentity', () => {
  test('signs with the given key: base64url without padding, verifiable with the public key', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519')
    const identity = createHostIdentity(privateKey)
    const raw = publicKey.export({ format: 'der', type: 'spki' }).subarray(-32)
    expect(identity.publicKeyHex).toBe(`0x${raw.toString('hex')}`)
    const signed = await identity.sign(response)
    expect(signed.sig).toMatch(/^[A-Za-z0-9_-]{86}$/)
    expect(
      verify(null, signingBytes(signed), publicKey, Buffer.from(signed.sig ?? '', 'base64url')),
    ).toBe(true)
    expect(await verifyMessage(signed, identity.publicKeyHex)).toBe(true)
    // The same signature node:crypto made before @fabstir/auth's signMessage replaced it.
    expect(signed.sig).toBe(sign(null, signingBytes(response), privateKey).toString('base64url'))
    // Re-signing a signed message covers the same bytes.
    expect((await identity.sign(signed)).sig).toBe(signed.sig)
  })

  test('issues session tokens that verify with its public key', async () => {
    const identity = createHostIdentity()
    const hostAddress = developmentHostAddress(identity.publicKeyHex)
    const sessionKey = await generateSessionKey()
    const { token } = await identity.issueSessionToken({
      hostAddress,
      clientAddress: `0x${'11'.repeat(20)}`,
      jobId: '7',
      chainId: 1,
      permissions: ['inference'],
      sessionPublicKey: sessionKey.publicKey,
    })
    const claims = await verifyToken(token, {
      hostPublicKey: identity.publicKeyHex,
      issuer: hostAddress,
    })
    expect(claims).toMatchObject({ iss: hostAddress, job_id: '7', permissions: ['inference'] })
  })

  test('generates a key when none is given', () => {
    const identity = createHostIdentity()
    expect(identity.publicKeyHex).toMatch(/^0x[0-9a-f]{64}$/)
    expect(createHostIdentity().publicKeyHex).not.toBe(identity.publicKeyHex)
  })

  test('refuses a key that is not an Ed25519 private key', () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
    expect(() => createHostIdentity(privateKey)).toThrow(TypeError)
    const ed = generateKeyPairSync('ed25519')
    expect(() => createHostIdentity(createPublicKey(ed.privateKey))).toThrow(TypeError)
    expect(publicKey.type).toBe('public')
  })
})

describe('developmentHostAddress', () => {
  test('is a lowercase address, stable per key, different between keys', () => {
    const identity = createHostIdentity()
    const address = developmentHostAddress(identity.publicKeyHex)
    expect(address).toMatch(/^0x[0-9a-f]{40}$/)
    expect(developmentHostAddress(identity.publicKeyHex)).toBe(address)
    expect(developmentHostAddress(createHostIdentity().publicKeyHex)).not.toBe(address)
  })
})
