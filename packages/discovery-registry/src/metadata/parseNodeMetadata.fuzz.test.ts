import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import { getCapabilities } from './getCapabilities.js'
import { maxNodeMetadataBytes, parseNodeMetadata } from './parseNodeMetadata.js'

const key = fc.constantFrom(
  'name',
  'region',
  'hardware',
  'gpu',
  'vramGb',
  'capabilities',
  'maxConcurrent',
  'ed25519PublicKey',
  'secp256k1PublicKey',
  'p2p',
  'peerId',
  'multiaddrs',
  '__proto__',
  'constructor',
  'prototype',
  'toString',
)
const hex = (bytes: number) =>
  fc
    .uint8Array({ minLength: bytes, maxLength: bytes })
    .map((array) => Buffer.from(array).toString('hex'))

// Documents that look like metadata: the right keys with arbitrary values, nested.
const { document } = fc.letrec((tie) => ({
  document: fc.dictionary(key, tie('value'), { maxKeys: 10 }),
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.jsonValue({ maxDepth: 2 }),
    hex(32),
    hex(33).map((value) => `02${value.slice(2)}`),
    fc.string({ unit: 'binary' }),
    fc.array(fc.string(), { maxLength: 300 }),
    tie('document'),
  ),
}))

const inputs = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary', maxLength: 512 }),
  fc.json(),
  fc.jsonValue().map((value) => JSON.stringify(value) ?? ''),
  document.map((object) => JSON.stringify(object)),
  document.map((object) => JSON.stringify({ ...object, ed25519PublicKey: 'ab'.repeat(32) })),
  fc.nat({ max: 20_000 }).map((levels) => '['.repeat(levels) + ']'.repeat(levels)),
  fc.nat({ max: 20_000 }).map((length) => `{"name":"${'x'.repeat(length)}"}`),
  fc.anything() as fc.Arbitrary<unknown> as fc.Arbitrary<string>,
)

const validMetadata = fc.record(
  {
    name: fc
      .string({ minLength: 1, maxLength: 128 })
      .filter((text) => !/[\p{Cc}\p{Cf}]/u.test(text)),
    region: fc.constantFrom('eu-west', 'us-east', 'ap-south'),
    hardware: fc.record({
      gpu: fc.constantFrom('RTX 4090', 'A100', 'H100'),
      vramGb: fc.double({ min: 0, max: 1_000_000, noNaN: true }),
    }),
    capabilities: fc.array(fc.constantFrom('inference', 'streaming', 'proofs', 'ezkl'), {
      maxLength: 64,
    }),
    maxConcurrent: fc.integer({ min: 1, max: 1_000_000 }),
    ed25519PublicKey: hex(32).map((value) => `0x${value}`),
    secp256k1PublicKey: hex(32).map((value) => `0x03${value}`),
    p2p: fc.record({
      peerId: fc.stringMatching(/^[A-Za-z0-9]{16,128}$/),
      multiaddrs: fc.array(fc.constant('/ip4/10.0.0.1/tcp/4001'), { maxLength: 16 }),
    }),
  },
  { requiredKeys: ['ed25519PublicKey'] },
)

describe('parseNodeMetadata', () => {
  test('never throws, and always answers with a well-formed result', () => {
    fc.assert(
      fc.property(inputs, (input) => {
        const result = parseNodeMetadata(input)
        if (result.metadataValid) {
          expect(result.metadata.ed25519PublicKey).toMatch(/^0x[0-9a-f]{64}$/)
          expect(
            typeof input === 'string' && new TextEncoder().encode(input).length,
          ).toBeLessThanOrEqual(maxNodeMetadataBytes)
        } else {
          expect(typeof result.reason).toBe('string')
          expect(result.reason.length).toBeGreaterThan(0)
          expect(result.reason).not.toMatch(/\n/)
        }
        expect(() => getCapabilities(result.metadata)).not.toThrow()
      }),
      { numRuns: 3000 },
    )
    expect(Object.getPrototypeOf({})).toBe(Object.prototype)
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
  })

  test('accepts every document that follows the schema, unchanged', () => {
    fc.assert(
      fc.property(validMetadata, (metadata) => {
        expect(parseNodeMetadata(JSON.stringify(metadata))).toEqual({
          metadataValid: true,
          metadata,
        })
      }),
      { numRuns: 500 },
    )
  })
})
