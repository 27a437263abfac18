import { describe, expect, test } from 'vitest'
import { makeConversation } from '../../test/conversation.js'
import { missing, mutate, rejection } from '../../test/helpers.js'
import { decodeClientMessage, decodeHostMessage } from '../decode.js'
import { encodeMessage } from '../encode.js'
import type { ProtocolError } from '../errors/ProtocolError.js'
import type { ClientMessage, ClientMessageType } from './client.js'
import type { CompressionName } from './common.js'

type Fixtures = { [type in ClientMessageType]: Extract<ClientMessage, { type: type }> }

const sig = Buffer.alloc(64, 7).toString('base64url')
const base = { session_id: '42', message_index: 1, ts: 1_700_000_000_000 }
const start = { ...base, token: 'eyJhbGciOiJFZERTQSJ9.e30.c2ln', job_id: '42', chain_id: 84532 }

/** Each type with its required fields only. */
const minimal: Fixtures = {
  session_init: { type: 'session_init', ...start, model: 'repo/model.gguf' },
  session_resume: {
    type: 'session_resume',
    ...start,
    model: 'repo/model.gguf',
    conversation_context: [
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Hi' },
      { role: 'assistant', content: 'Hello!' },
    ],
    last_message_index: 3,
  },
  prompt: { type: 'prompt', ...base, request_id: 'req-1', content: 'Why is the sky blue?' },
  cancel: { type: 'cancel', ...base, request_id: 'req-1' },
  session_end: { type: 'session_end', ...base },
  ping: { type: 'ping', ...base },
}

/** Each type with every optional field set. */
const full: Fixtures = {
  session_init: {
    ...minimal.session_init,
    sig,
    compression: ['gzip', 'deflate-raw'],
    signing: true,
  },
  session_resume: { ...minimal.session_resume, sig, compression: ['deflate-raw'], signing: false },
  prompt: { ...minimal.prompt, sig, max_tokens: 256, temperature: 0.7 },
  cancel: { ...minimal.cancel, sig },
  session_end: { ...minimal.session_end, sig },
  ping: { ...minimal.ping, sig },
}

const types = Object.keys(minimal) as ClientMessageType[]
const codecs: CompressionName[] = ['gzip', 'deflate-raw']

/** The path a decoder error names, e.g. `session_id` of `session_id: missing`. */
const pathOf = (error: ProtocolError) => error.details?.split(': ')[0]

function withExtra<message extends ClientMessage>(m: message, extra: object): message {
  return { ...m, ...extra }
}

describe('valid client messages', () => {
  test.each(types)('%s (required fields only) decodes and round-trips', (type) => {
    const message = minimal[type]
    expect(decodeClientMessage(JSON.stringify(message))).toStrictEqual(message)
    const encoded = encodeMessage(message)
    expect(typeof encoded).toBe('string')
    expect(decodeClientMessage(encoded)).toStrictEqual(message)
  })

  test.each(types)('%s with every optional field decodes and round-trips', (type) => {
    const message = full[type]
    expect(decodeClientMessage(encodeMessage(message))).toStrictEqual(message)
  })

  test.each(types)('%s keeps unknown fields', (type) => {
    const message = withExtra(full[type], { x_future: { nested: [1, 'two', null] }, x_flag: true })
    expect(decodeClientMessage(JSON.stringify(message))).toStrictEqual(message)
  })

  describe.each(codecs)('compressed with %s', (codec) => {
    test.each(types)('%s round-trips as a binary frame', (type) => {
      const message = withExtra(full[type], { x_padding: 'lorem ipsum '.repeat(200) })
      const frame = encodeMessage(message, { compression: codec })
      expect(frame).toBeInstanceOf(Uint8Array)
      expect((frame as Uint8Array)[0]).toBe(codec === 'gzip' ? 0x02 : 0x01)
      expect(decodeClientMessage(frame)).toStrictEqual(message)
      expect(decodeClientMessage(frame, { compression: [codec] })).toStrictEqual(message)
    })

    test('a large session_resume (many inflate slices) round-trips', () => {
      const message = { ...full.session_resume, conversation_context: makeConversation(2000) }
      const frame = encodeMessage(message, { compression: codec })
      expect(frame).toBeInstanceOf(Uint8Array)
      expect(decodeClientMessage(frame, { compression: [codec] })).toStrictEqual(message)
    })

    test('a message under the threshold stays text', () => {
      expect(typeof encodeMessage(full.prompt, { compression: codec })).toBe('string')
    })
  })

  const maxSessionId = (2n ** 256n - 1n).toString()
  test.each([
    ['session_id 1', 'ping', 'session_id', '1'],
    ['session_id 2^256-1', 'ping', 'session_id', maxSessionId],
    ['job_id 2^256-1', 'session_init', 'job_id', maxSessionId],
    ['message_index MAX_SAFE_INTEGER', 'ping', 'message_index', Number.MAX_SAFE_INTEGER],
    ['ts 0', 'ping', 'ts', 0],
    ['sig ending in A', 'ping', 'sig', `${'-_'.repeat(42)}0A`],
    ['sig ending in Q', 'ping', 'sig', `${'a'.repeat(85)}Q`],
    ['token of 16384 characters', 'session_init', 'token', 't'.repeat(16_384)],
    ['model of 256 characters', 'session_init', 'model', 'm'.repeat(256)],
    ['unknown compression names', 'session_init', 'compression', ['zstd', 'gzip']],
    ['no compression', 'session_init', 'compression', []],
    ['empty conversation_context', 'session_resume', 'conversation_context', []],
    ['last_message_index 0', 'session_resume', 'last_message_index', 0],
    ['request_id of 128 characters', 'prompt', 'request_id', 'aZ09._:-'.repeat(16)],
    ['empty content', 'prompt', 'content', ''],
    ['max_tokens 1', 'prompt', 'max_tokens', 1],
    ['temperature 0', 'prompt', 'temperature', 0],
    ['temperature 2', 'prompt', 'temperature', 2],
  ] as const)('accepts %s', (_, type, path, value) => {
    const message = mutate(full[type], path, value)
    expect(decodeClientMessage(JSON.stringify(message))).toStrictEqual(message)
  })
})

type Row = { type: ClientMessageType; path: string; value: unknown; why: string; at?: string }

/** A value of another JSON type than `value`. */
function wrongType(value: unknown): unknown {
  if (typeof value === 'string') return 7
  if (typeof value === 'number') return '7'
  if (typeof value === 'boolean') return 'true'
  return 'x'
}

const generatedRows: Row[] = types.flatMap((type) => [
  ...Object.keys(minimal[type])
    .filter((key) => key !== 'type')
    .map((path) => ({ type, path, value: missing, why: 'missing' })),
  ...Object.entries(full[type])
    .filter(([key]) => key !== 'type')
    .flatMap(([path, value]) => [
      { type, path, value: wrongType(value), why: 'wrong type' },
      { type, path, value: null, why: 'null' },
    ]),
])

const baseRows = (type: ClientMessageType): Row[] => [
  { type, path: 'session_id', value: '0', why: 'zero' },
  { type, path: 'session_id', value: '01', why: 'leading zero' },
  { type, path: 'session_id', value: '12a', why: 'non-digits' },
  { type, path: 'session_id', value: '-1', why: 'negative' },
  { type, path: 'session_id', value: ' 1', why: 'whitespace' },
  { type, path: 'session_id', value: '', why: 'empty' },
  { type, path: 'session_id', value: '1'.repeat(79), why: '79 digits' },
  { type, path: 'session_id', value: (2n ** 256n).toString(), why: '2^256' },
  { type, path: 'session_id', value: '9'.repeat(78), why: '78 nines' },
  { type, path: 'message_index', value: 0, why: 'zero' },
  { type, path: 'message_index', value: 1.5, why: 'fraction' },
  { type, path: 'message_index', value: -1, why: 'negative' },
  { type, path: 'message_index', value: 2 ** 53, why: 'unsafe integer' },
  { type, path: 'ts', value: -1, why: 'negative' },
  { type, path: 'ts', value: 1.5, why: 'fraction' },
  { type, path: 'sig', value: sig.slice(0, 85), why: '85 characters' },
  { type, path: 'sig', value: `${sig}A`, why: '87 characters' },
  { type, path: 'sig', value: `${sig}==`, why: 'padding' },
  { type, path: 'sig', value: `${sig.slice(0, 85)}B`, why: 'non-zero trailing bits' },
  { type, path: 'sig', value: `${'+/'.repeat(42)}AA`, why: 'standard base64 alphabet' },
  { type, path: 'sig', value: Buffer.alloc(64).toString('hex'), why: 'hex' },
  { type, path: 'sig', value: '', why: 'empty' },
]

const startRows = (type: 'session_init' | 'session_resume'): Row[] => [
  { type, path: 'token', value: '', why: 'empty' },
  { type, path: 'token', value: 't'.repeat(16_385), why: '16385 characters' },
  { type, path: 'job_id', value: '0', why: 'zero' },
  { type, path: 'job_id', value: '007', why: 'leading zeros' },
  { type, path: 'job_id', value: '0x2a', why: 'hex' },
  { type, path: 'chain_id', value: 0, why: 'zero' },
  { type, path: 'chain_id', value: -1, why: 'negative' },
  { type, path: 'chain_id', value: 1.5, why: 'fraction' },
  { type, path: 'model', value: '', why: 'empty' },
  { type, path: 'model', value: 'm'.repeat(257), why: '257 characters' },
  { type, path: 'compression', value: [1], why: 'non-string entry', at: 'compression.0' },
  { type, path: 'compression', value: ['x'.repeat(33)], why: 'long entry', at: 'compression.0' },
  { type, path: 'compression', value: Array(9).fill('gzip'), why: '9 entries' },
]

const specificRows: Row[] = [
  ...types.flatMap(baseRows),
  ...startRows('session_init'),
  ...startRows('session_resume'),
  ...[
    [{ role: 'bot', content: 'x' }, 'conversation_context.0.role', 'unknown role'],
    [{ role: 'USER', content: 'x' }, 'conversation_context.0.role', 'upper-case role'],
    [{ content: 'x' }, 'conversation_context.0.role', 'no role'],
    [{ role: 'user' }, 'conversation_context.0.content', 'no content'],
    [{ role: 'user', content: 5 }, 'conversation_context.0.content', 'numeric content'],
    ['hi', 'conversation_context.0', 'a string entry'],
  ].map(
    ([entry, at, why]): Row => ({
      type: 'session_resume',
      path: 'conversation_context',
      value: [entry, { role: 'user', content: 'ok' }],
      why: why as string,
      at: at as string,
    }),
  ),
  { type: 'session_resume', path: 'last_message_index', value: -1, why: 'negative' },
  { type: 'session_resume', path: 'last_message_index', value: 1.5, why: 'fraction' },
  ...(['prompt', 'cancel'] as const).flatMap((type): Row[] => [
    { type, path: 'request_id', value: '', why: 'empty' },
    { type, path: 'request_id', value: 'r'.repeat(129), why: '129 characters' },
    { type, path: 'request_id', value: 'has space', why: 'space' },
    { type, path: 'request_id', value: 'a/b', why: 'slash' },
    { type, path: 'request_id', value: 'ümlaut', why: 'non-ASCII' },
  ]),
  { type: 'prompt', path: 'max_tokens', value: 0, why: 'zero' },
  { type: 'prompt', path: 'max_tokens', value: -5, why: 'negative' },
  { type: 'prompt', path: 'max_tokens', value: 1.5, why: 'fraction' },
  { type: 'prompt', path: 'temperature', value: -0.1, why: 'below 0' },
  { type: 'prompt', path: 'temperature', value: 2.1, why: 'above 2' },
]

describe('malformed client messages', () => {
  test.each([...generatedRows, ...specificRows])('$type: $path $why', (row) => {
    const message = mutate(full[row.type], row.path, row.value)
    const error = rejection(() => decodeClientMessage(JSON.stringify(message)))
    expect(pathOf(error)).toBe(row.at ?? row.path)
    expect(error.shortMessage).toBe(`Invalid "${row.type}" message`)
  })
})

describe('errors of malformed messages', () => {
  test('name well-formed session_id and request_id', () => {
    const message = mutate(full.prompt, 'temperature', 3)
    const error = rejection(() => decodeClientMessage(JSON.stringify(message)))
    expect(error.sessionId).toBe('42')
    expect(error.requestId).toBe('req-1')
    for (const fatal of [false, true]) {
      const reply = error.toErrorMessage({ fatal })
      expect(decodeHostMessage(JSON.stringify(reply))).toStrictEqual({
        type: 'error',
        session_id: '42',
        request_id: 'req-1',
        code: 'BAD_MESSAGE',
        message: expect.stringContaining('temperature'),
        fatal,
      })
    }
  })

  test.each([
    ['session_id', { session_id: '01' }],
    ['session_id', { session_id: 42 }],
    ['request_id', { request_id: 'has space' }],
    ['request_id', { request_id: 'r'.repeat(129) }],
  ])('leave out a malformed %s', (_, patch) => {
    const message = { ...full.prompt, ...patch, temperature: 3 }
    const error = rejection(() => decodeClientMessage(JSON.stringify(message)))
    const reply = error.toErrorMessage()
    expect('session_id' in patch ? error.sessionId : error.requestId).toBeUndefined()
    expect('session_id' in patch ? error.requestId : error.sessionId).toBeDefined()
    expect(decodeHostMessage(JSON.stringify(reply))).toStrictEqual(reply)
  })

  test.each(types)('of %s encode to an error message that decodes', (type) => {
    const message = mutate(full[type], 'message_index', 0)
    const error = rejection(() => decodeClientMessage(JSON.stringify(message)))
    expect(error.sessionId).toBe('42')
    const reply = decodeHostMessage(encodeMessage(error.toErrorMessage()))
    expect(reply).toMatchObject({ type: 'error', code: 'BAD_MESSAGE', session_id: '42' })
  })
})
