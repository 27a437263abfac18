import { describe, expect, test } from 'vitest'
import { maxNodeMetadataBytes, parseNodeMetadata } from './parseNodeMetadata.js'

const ed25519 = 'ab'.repeat(32)
const secp256k1 = `02${'cd'.repeat(32)}`
const full = {
  name: 'gpu-host-1',
  region: 'eu-west',
  hardware: { gpu: 'RTX 4090', vramGb: 24 },
  capabilities: ['inference', 'streaming'],
  maxConcurrent: 8,
  ed25519PublicKey: `0x${ed25519.toUpperCase()}`,
  secp256k1PublicKey: secp256k1,
  p2p: {
    peerId: '12D3KooWHFrmLWTTDD4NodngtRMEVYgxrsDMp4F9jTAQqhK3Q9V2',
    multiaddrs: ['/ip4/127.0.0.1/tcp/4001'],
  },
}

function refusal(json: string): string {
  const result = parseNodeMetadata(json)
  expect(result.metadataValid).toBe(false)
  if (result.metadataValid) throw new Error('unreachable')
  return result.reason
}

describe('valid metadata', () => {
  test('every field, hex keys normalised to lowercase 0x, unknown fields ignored', () => {
    const result = parseNodeMetadata(JSON.stringify({ ...full, extra: { nested: [1, 2] } }))
    expect(result).toEqual({
      metadataValid: true,
      metadata: {
        ...full,
        ed25519PublicKey: `0x${ed25519}`,
        secp256k1PublicKey: `0x${secp256k1}`,
      },
    })
  })

  test('only the required key', () => {
    expect(parseNodeMetadata(JSON.stringify({ ed25519PublicKey: `0x${ed25519}` }))).toEqual({
      metadataValid: true,
      metadata: { ed25519PublicKey: `0x${ed25519}` },
    })
  })

  test('exactly the size limit', () => {
    const base = JSON.stringify({ ed25519PublicKey: ed25519, padding: '' })
    const json = base.replace(
      '"padding":""',
      `"padding":"${'x'.repeat(maxNodeMetadataBytes - base.length)}"`,
    )
    expect(new TextEncoder().encode(json).length).toBe(maxNodeMetadataBytes)
    expect(parseNodeMetadata(json).metadataValid).toBe(true)
  })

  test('non-ASCII text in names is fine', () => {
    const result = parseNodeMetadata(
      JSON.stringify({ ed25519PublicKey: ed25519, name: 'Zürich 🚀' }),
    )
    expect(result.metadataValid && result.metadata.name).toBe('Zürich 🚀')
  })
})

describe('refused metadata (never a throw)', () => {
  test('not a string', () => {
    expect(refusal(42 as unknown as string)).toBe('metadata is not a string')
    expect(refusal(undefined as unknown as string)).toBe('metadata is not a string')
  })

  test('empty', () => {
    expect(refusal('')).toBe('metadata is empty')
    expect(refusal(' \n ')).toBe('metadata is empty')
  })

  test('over the size limit, in characters or in UTF-8 bytes, before parsing', () => {
    expect(refusal('x'.repeat(100_000))).toBe('metadata is larger than 16384 bytes')
    const multiByte = JSON.stringify({ ed25519PublicKey: ed25519, name: '€'.repeat(6000) })
    expect(multiByte.length).toBeLessThan(maxNodeMetadataBytes)
    expect(refusal(multiByte)).toBe('metadata is larger than 16384 bytes')
    expect(refusal('😀'.repeat(4097))).toBe('metadata is larger than 16384 bytes')
  })

  test('malformed JSON', () => {
    expect(refusal('{"ed25519PublicKey": ')).toBe('metadata is not valid JSON')
    expect(refusal("{'name': 'x'}")).toBe('metadata is not valid JSON')
  })

  test('JSON that is not an object', () => {
    expect(refusal('42')).toBe('metadata must be a JSON object, not number')
    expect(refusal('"text"')).toBe('metadata must be a JSON object, not string')
    expect(refusal('null')).toBe('metadata must be a JSON object, not null')
    expect(refusal('[1,2]')).toBe('metadata must be a JSON object, not an array')
    expect(refusal('true')).toBe('metadata must be a JSON object, not boolean')
  })

  test('prototype-pollution keys anywhere', () => {
    expect(refusal(`{"ed25519PublicKey":"${ed25519}","__proto__":{"polluted":true}}`)).toBe(
      '(root): forbidden key "__proto__"',
    )
    expect(
      refusal(`{"ed25519PublicKey":"${ed25519}","p2p":{"constructor":{"prototype":{"x":1}}}}`),
    ).toBe('p2p: forbidden key "constructor"')
    expect(refusal(`{"a":[{"prototype":1}],"ed25519PublicKey":"${ed25519}"}`)).toBe(
      'a[0]: forbidden key "prototype"',
    )
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
  })

  test('deep nesting, even in unknown fields', () => {
    const deep = (levels: number) => `{"x":${'['.repeat(levels)}${']'.repeat(levels)}}`
    expect(refusal(deep(5000))).toMatch(/^x(\[0\]){7}: nested deeper than 8 levels$/)
    expect(refusal(`{"ed25519PublicKey":"${ed25519}","x":${'['.repeat(8)}${']'.repeat(8)}}`)).toBe(
      'x[0][0][0][0][0][0][0]: nested deeper than 8 levels',
    )
    const ok = `{"ed25519PublicKey":"${ed25519}","x":${'['.repeat(7)}${']'.repeat(7)}}`
    expect(parseNodeMetadata(ok).metadataValid).toBe(true)
  })

  test('huge arrays', () => {
    const zeros = `[${Array.from({ length: 300 }, () => 0).join(',')}]`
    expect(refusal(`{"ed25519PublicKey":"${ed25519}","junk":${zeros}}`)).toBe(
      'junk: an array of 300 entries (at most 256)',
    )
    const capabilities = Array.from({ length: 65 }, (_, index) => `c${index}`)
    expect(refusal(JSON.stringify({ ed25519PublicKey: ed25519, capabilities }))).toBe(
      'capabilities: must have at most 64 entries',
    )
  })

  test.each([
    [{ name: 5 }, 'name: must be a string'],
    [{ name: '' }, 'name: must not be empty'],
    [{ name: 'x'.repeat(129) }, 'name: must be at most 128 characters'],
    [{ region: ['eu'] }, 'region: must be a string'],
    [{ hardware: 'RTX' }, 'hardware: must be an object'],
    [{ hardware: { gpu: 'RTX', vramGb: '24' } }, 'hardware.vramGb: must be a number'],
    [{ hardware: { gpu: 'RTX', vramGb: -1 } }, 'hardware.vramGb: must be at least 0'],
    [{ hardware: { vramGb: 24 } }, 'hardware.gpu: is required'],
    [{ capabilities: 'inference' }, 'capabilities: must be an array'],
    [{ capabilities: ['inference', 7] }, 'capabilities.1: must be a string'],
    [{ maxConcurrent: 1.5 }, 'maxConcurrent: must be a whole number'],
    [{ maxConcurrent: 0 }, 'maxConcurrent: must be at least 1'],
    [{ maxConcurrent: '8' }, 'maxConcurrent: must be a number'],
    [{ ed25519PublicKey: 'ab'.repeat(31) }, 'ed25519PublicKey: must be 32 bytes of hex'],
    [{ ed25519PublicKey: 7 }, 'ed25519PublicKey: must be a string'],
    [
      { secp256k1PublicKey: `04${'cd'.repeat(64)}` },
      'secp256k1PublicKey: must be a compressed public key: 33 bytes of hex starting with 02 or 03',
    ],
    [
      { p2p: { peerId: 'short', multiaddrs: [] } },
      'p2p.peerId: must be 16 to 128 letters and digits',
    ],
    [{ p2p: { peerId: 'a'.repeat(20), multiaddrs: 'x' } }, 'p2p.multiaddrs: must be an array'],
    [
      { p2p: { peerId: 'a'.repeat(20), multiaddrs: ['ip4/1.2.3.4'] } },
      'p2p.multiaddrs.0: must be a multiaddr starting with / and without spaces',
    ],
  ])('wrong type or range: %j', (fields, reason) => {
    expect(refusal(JSON.stringify({ ed25519PublicKey: ed25519, ...fields }))).toBe(reason)
  })

  test.each([
    ['NUL', '\u0000'],
    ['newline', '\n'],
    ['escape', '\u001b[31m'],
    ['DEL', '\u007f'],
    ['C1', '\u0085'],
    ['right-to-left override', '\u202e'],
    ['isolate', '\u2066'],
  ])('control characters in strings: %s', (_, character) => {
    const json = JSON.stringify({ ed25519PublicKey: ed25519, name: `host${character}1` })
    expect(refusal(json)).toBe('name: must not contain control characters')
  })

  test('a missing identity key, with the valid fields kept', () => {
    const result = parseNodeMetadata(JSON.stringify({ name: 'host', region: 7 }))
    expect(result).toEqual({
      metadataValid: false,
      reason: 'ed25519PublicKey: is required',
      metadata: { name: 'host' },
    })
  })

  test('an invalid field keeps the others as partial metadata', () => {
    const result = parseNodeMetadata(
      JSON.stringify({ ...full, ed25519PublicKey: 'nope', maxConcurrent: -3 }),
    )
    expect(result.metadataValid).toBe(false)
    expect(result.metadata).toEqual({
      name: full.name,
      region: full.region,
      hardware: full.hardware,
      capabilities: full.capabilities,
      secp256k1PublicKey: `0x${secp256k1}`,
      p2p: full.p2p,
    })
  })

  test('structural refusals carry no partial metadata', () => {
    expect(parseNodeMetadata('{"__proto__":1,"name":"x"}').metadata).toBeUndefined()
  })
})
