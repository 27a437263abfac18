import { readdirSync, readFileSync } from 'node:fs'
import { describe, expect, test } from 'vitest'
import { rejection } from '../test/helpers.js'
import { canonicalJson, signingBytes } from './canonicalJson.js'

/** RFC 8785 vectors; see test/vectors/rfc8785/README.md for where each file comes from. */
const vectorsDir = new URL('../test/vectors/rfc8785/', import.meta.url)

const readBytes = (name: string): Uint8Array =>
  new Uint8Array(readFileSync(new URL(name, vectorsDir)))
const readText = (name: string): string => readFileSync(new URL(name, vectorsDir), 'utf8')
const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text)

/** The `<name>` of every `<name>.output.json`; each has a `<name>.input.json` next to it. */
const pairs = readdirSync(vectorsDir)
  .filter((file) => file.endsWith('.output.json'))
  .map((file) => file.slice(0, -'.output.json'.length))
  .sort()

/** A double built from its IEEE 754 bit pattern, given as 16 hex digits. */
function doubleFromHex(hex: string): number {
  const view = new DataView(new ArrayBuffer(8))
  view.setBigUint64(0, BigInt(`0x${hex}`))
  return view.getFloat64(0)
}

describe('RFC 8785 input/output pairs', () => {
  test('every input file has an output file', () => {
    const inputs = readdirSync(vectorsDir)
      .filter((file) => file.endsWith('.input.json'))
      .map((file) => file.slice(0, -'.input.json'.length))
      .filter((name) => name !== 'rfc-sorting')
      .sort()
    expect(inputs).toEqual(pairs)
    expect(pairs).toEqual([
      'arrays',
      'french',
      'rfc-sample',
      'structures',
      'unicode',
      'values',
      'weird',
    ])
  })

  test.each(pairs)('%s canonicalises to its output byte for byte', (name) => {
    const input: unknown = JSON.parse(readText(`${name}.input.json`))
    expect(utf8(canonicalJson(input))).toEqual(readBytes(`${name}.output.json`))
  })

  test('§3.2.4: the sample gives the UTF-8 bytes printed in the RFC', () => {
    const hex = readText('rfc-sample.output.utf8.hex').split(/\s+/).filter(Boolean)
    const expected = Uint8Array.from(hex, (byte) => Number.parseInt(byte, 16))
    const input: unknown = JSON.parse(readText('rfc-sample.input.json'))
    expect(expected).toHaveLength(118)
    expect(utf8(canonicalJson(input))).toEqual(expected)
  })
})

describe('RFC 8785 Appendix B numbers', () => {
  const rows = JSON.parse(readText('numbers.json')) as [string, string | null][]

  test('the table is complete', () => {
    expect(rows).toHaveLength(26)
  })

  test.each(rows.filter((row): row is [string, string] => row[1] !== null))(
    '%s serialises as %s',
    (hex, expected) => {
      expect(canonicalJson(doubleFromHex(hex))).toBe(expected)
      expect(canonicalJson([doubleFromHex(hex)])).toBe(`[${expected}]`)
    },
  )

  test.each(rows.filter(([, expected]) => expected === null).map(([hex]) => hex))(
    '%s (not finite) is rejected',
    (hex) => {
      expect(Number.isFinite(doubleFromHex(hex))).toBe(false)
      rejection(() => canonicalJson(doubleFromHex(hex)))
      rejection(() => canonicalJson({ n: doubleFromHex(hex) }))
    },
  )

  test('-Infinity is rejected too', () => {
    expect(doubleFromHex('fff0000000000000')).toBe(Number.NEGATIVE_INFINITY)
    rejection(() => canonicalJson(doubleFromHex('fff0000000000000')))
    rejection(() => canonicalJson([1, Number.NEGATIVE_INFINITY]))
  })
})

describe('property sorting', () => {
  test('§3.2.3: keys are sorted by UTF-16 code units', () => {
    const input = JSON.parse(readText('rfc-sorting.input.json')) as Record<string, string>
    const order = JSON.parse(readText('rfc-sorting.order.json')) as string[]
    const text = canonicalJson(input)
    // Object.keys would put the integer-like key "1" first, so read the order off the text.
    expect(Array.from(text.matchAll(/":"([^"]*)"/g), (match) => match[1])).toEqual(order)
    expect(text).toBe(
      '{"\\r":"Carriage Return","1":"One","\u0080":"Control",' +
        '"\u00f6":"Latin Small Letter O With Diaeresis","\u20ac":"Euro Sign",' +
        '"\ud83d\ude00":"Emoji: Grinning Face","\ufb33":"Hebrew Letter Dalet With Dagesh"}',
    )
  })

  test('§3.2.3: the emoji (surrogate pair) sorts before U+FB33, unlike code point order', () => {
    expect(canonicalJson({ '\ufb33': 1, '\ud83d\ude00': 2 })).toBe('{"\ud83d\ude00":2,"\ufb33":1}')
  })

  test('§3.2.3: shorter prefixes first, and nested objects are sorted as well', () => {
    expect(canonicalJson({ ab: 1, aa: 2, a: 3, '': 4 })).toBe('{"":4,"a":3,"aa":2,"ab":1}')
    expect(canonicalJson([{ b: { d: 1, c: 2 }, a: [] }])).toBe('[{"a":[],"b":{"c":2,"d":1}}]')
  })
})

describe('values JSON cannot hold', () => {
  test('undefined properties are left out', () => {
    expect(canonicalJson({ b: 1, a: undefined })).toBe('{"b":1}')
    expect(canonicalJson({ x: { y: undefined, z: null } })).toBe('{"x":{"z":null}}')
    expect(canonicalJson({ only: undefined })).toBe('{}')
  })

  test('a cyclic object is rejected', () => {
    const cyclic: Record<string, unknown> = { a: 1 }
    cyclic.self = cyclic
    rejection(() => canonicalJson(cyclic))

    const deep: Record<string, unknown> = {}
    deep.child = { list: [deep] }
    rejection(() => canonicalJson(deep))
  })

  test('a value seen twice without a cycle is not a cycle', () => {
    const shared = { v: 1 }
    expect(canonicalJson({ a: shared, b: [shared] })).toBe('{"a":{"v":1},"b":[{"v":1}]}')
    // Keys where one is a prefix of the other: a path-based cycle check gets this wrong.
    expect(canonicalJson({ a: shared, ab: shared })).toBe('{"a":{"v":1},"ab":{"v":1}}')
  })

  test('§3.2.2.2: lone surrogates are rejected, in values and in keys', () => {
    rejection(() => canonicalJson({ a: '\udead' }))
    rejection(() => canonicalJson({ '\ud800': 1 }))
    expect(canonicalJson({ a: '\ud83d\ude00' })).toBe('{"a":"😀"}')
  })

  test('functions are left out like undefined; a top-level value with no JSON form is rejected', () => {
    expect(canonicalJson({ a: () => 1, b: 2 })).toBe('{"b":2}')
    rejection(() => canonicalJson(undefined))
    rejection(() => canonicalJson(() => 1))
  })
})

describe('signingBytes', () => {
  const response = {
    type: 'response',
    session_id: '42',
    request_id: 'r-1',
    message_index: 3,
    content: 'Grüße 😀',
    finish_reason: 'stop',
    usage: { prompt_tokens: 5, completion_tokens: 7 },
    transcript_head: '0xabc',
  }

  test('drops sig and gives the UTF-8 of the canonical form', () => {
    const bytes = signingBytes({ ...response, sig: 'c2lnbmF0dXJl' })
    expect(bytes).toBeInstanceOf(Uint8Array)
    expect(bytes).toEqual(utf8(canonicalJson(response)))
    expect(new TextDecoder().decode(bytes)).toBe(
      '{"content":"Grüße 😀","finish_reason":"stop","message_index":3,"request_id":"r-1",' +
        '"session_id":"42","transcript_head":"0xabc","type":"response",' +
        '"usage":{"completion_tokens":7,"prompt_tokens":5}}',
    )
    expect(signingBytes(response)).toEqual(bytes)
  })

  test('messages that differ only in key order give the same bytes', () => {
    const reordered = {
      usage: { completion_tokens: 7, prompt_tokens: 5 },
      transcript_head: '0xabc',
      sig: 'b3RoZXI',
      finish_reason: 'stop',
      content: 'Grüße 😀',
      message_index: 3,
      request_id: 'r-1',
      session_id: '42',
      type: 'response',
    }
    expect(signingBytes(reordered)).toEqual(signingBytes({ ...response, sig: 'c2lnbmF0dXJl' }))
  })

  test('only the top-level sig is dropped', () => {
    expect(new TextDecoder().decode(signingBytes({ sig: 'x', data: { sig: 'y' } }))).toBe(
      '{"data":{"sig":"y"}}',
    )
  })
})
