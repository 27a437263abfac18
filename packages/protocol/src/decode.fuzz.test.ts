import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import { compressFrame } from './compression.js'
import { decodeClientMessage, decodeHostMessage, decodeHttpBody } from './decode.js'
import { encodeMessage } from './encode.js'
import { ProtocolError } from './errors/ProtocolError.js'
import type { ClientMessage } from './messages/client.js'
import type { HttpBodyName } from './messages/http.js'

const httpBodyNames: HttpBodyName[] = [
  'health',
  'version',
  'models',
  'authChallengeRequest',
  'authChallengeResponse',
  'authTokenRequest',
  'authTokenResponse',
  'authRefreshResponse',
  'inferenceRequest',
  'inferenceResponse',
  'inferenceEvent',
  'error',
]

const decoders = [
  (data: unknown) => decodeClientMessage(data as never, { maxMessageBytes: 4096 }),
  (data: unknown) => decodeHostMessage(data as never, { maxMessageBytes: 4096 }),
  ...httpBodyNames.map((name) => (data: unknown) => decodeHttpBody(name, data as never)),
]

const valid: ClientMessage[] = [
  { type: 'ping', session_id: '1', message_index: 1, ts: 0 },
  {
    type: 'prompt',
    session_id: '12',
    message_index: 3,
    ts: 1_764_000_000_000,
    request_id: 'r-3',
    content: 'Explain deflate.',
    max_tokens: 64,
  },
  {
    type: 'session_resume',
    session_id: '12',
    message_index: 4,
    ts: 1,
    token: 'a.b.c',
    job_id: '12',
    chain_id: 31337,
    model: 'repo/file.gguf',
    conversation_context: [{ role: 'user', content: 'hi' }],
    last_message_index: 3,
  },
]

// Any value a transport or a hostile peer could hand over, and JSON that looks like a message.
const field = fc.constantFrom(
  'type',
  'session_id',
  'message_index',
  'ts',
  'sig',
  'request_id',
  'content',
  'token',
  'conversation_context',
  'status',
  'error',
  '__proto__',
)
const messageLike = fc.dictionary(field, fc.jsonValue(), { maxKeys: 8 }).chain((object) =>
  fc.record({
    object: fc.constant(object),
    type: fc.constantFrom('ping', 'prompt', 'session_init', 'response', 'error', 'nope', 7),
  }),
)
const mutated = fc
  .record({
    base: fc.constantFrom(...valid),
    key: field,
    value: fc.oneof(fc.jsonValue(), fc.constant(undefined)),
  })
  .map(({ base, key, value }) => JSON.stringify({ ...base, [key]: value }))
const inputs = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary' }),
  fc.json(),
  fc.uint8Array({ maxLength: 2048 }),
  fc.uint8Array({ maxLength: 512 }).map((bytes) => new Uint8Array([1, ...bytes])),
  fc.uint8Array({ maxLength: 512 }).map((bytes) => new Uint8Array([2, ...bytes])),
  fc.jsonValue().map((value) => compressFrame(JSON.stringify(value) ?? 'null', 'gzip')),
  messageLike.map(({ object, type }) => JSON.stringify({ ...object, type })),
  mutated,
  fc.anything(),
)

function expectOnlyProtocolErrors(run: () => unknown): void {
  try {
    run()
  } catch (error) {
    expect(ProtocolError.isInstance(error), String(error)).toBe(true)
  }
}

describe('decoders never throw anything but ProtocolError', () => {
  test('on arbitrary input', () => {
    fc.assert(
      fc.property(inputs, fc.constantFrom(...decoders), (input, decode) => {
        expectOnlyProtocolErrors(() => decode(input))
      }),
      { numRuns: 2000 },
    )
    expect(Object.getPrototypeOf({})).toBe(Object.prototype)
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
  })

  test('on text frames given as bytes', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array(),
          fc.string().map((text) => Buffer.from(text)),
        ),
        (data) => expectOnlyProtocolErrors(() => decodeClientMessage(data, { frame: 'text' })),
      ),
    )
  })
})

describe('encode ∘ decode is the identity', () => {
  const prompt = fc.record(
    {
      type: fc.constant('prompt' as const),
      session_id: fc.bigInt({ min: 1n, max: 2n ** 256n - 1n }).map(String),
      message_index: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
      ts: fc.nat(),
      request_id: fc.stringMatching(/^[A-Za-z0-9._:-]{1,128}$/),
      content: fc.string({ unit: 'grapheme', maxLength: 3000 }),
      max_tokens: fc.integer({ min: 1, max: 1_000_000 }),
      temperature: fc.double({ min: 0, max: 2, noNaN: true }),
    },
    { requiredKeys: ['type', 'session_id', 'message_index', 'ts', 'request_id', 'content'] },
  )

  test.each([null, 'gzip', 'deflate-raw'] as const)('with compression %s', (compression) => {
    fc.assert(
      fc.property(prompt, (message) => {
        const frame = encodeMessage(message, { compression })
        expect(decodeClientMessage(frame)).toEqual(message)
      }),
      { numRuns: 300 },
    )
  })
})
