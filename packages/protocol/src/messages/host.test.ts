import { describe, expect, test } from 'vitest'
import { missing, mutate, rejection } from '../../test/helpers.js'
import { decodeHostMessage } from '../decode.js'
import { encodeMessage } from '../encode.js'
import { errorCodes } from '../errorCodes.js'
import type { CompressionName, Hex } from './common.js'
import type { HostMessage, HostMessageType } from './host.js'

type Fixtures = { [type in HostMessageType]: Extract<HostMessage, { type: type }> }

const sig = Buffer.alloc(64, 9).toString('base64url')
const hex32: Hex = `0x${'aB'.repeat(32)}`
const usage = { prompt_tokens: 12, completion_tokens: 30, total_tokens: 42 }

/** Each type with its required fields only. */
const minimal: Fixtures = {
  session_ready: {
    type: 'session_ready',
    session_id: '42',
    resumed: false,
    context_messages: 0,
    context_tokens: 0,
    limits: { max_message_bytes: 4_194_304, prompts_per_minute: 60, max_context_tokens: 8192 },
    compression: 'gzip',
    signing: true,
    host_public_key: hex32,
  },
  stream_chunk: {
    type: 'stream_chunk',
    session_id: '42',
    request_id: 'req-1',
    seq: 0,
    content: 'Hel',
    tokens: 1,
  },
  response: {
    type: 'response',
    session_id: '42',
    request_id: 'req-1',
    message_index: 2,
    content: 'Hello there.',
    finish_reason: 'stop',
    usage,
    context: { messages: 4, tokens: 90, truncated: false },
    transcript_head: hex32,
  },
  checkpoint: {
    type: 'checkpoint',
    session_id: '42',
    index: 0,
    tokens_claimed: 1000,
    cumulative_tokens: 1000,
    proof_hash: hex32,
    tx_hash: `0x${'12'.repeat(32)}`,
  },
  token_expiring: { type: 'token_expiring', expires_at: 1_700_000_900_000 },
  session_closed: { type: 'session_closed', usage },
  pong: { type: 'pong' },
  error: { type: 'error', code: 'BAD_MESSAGE', message: 'Invalid "prompt" message', fatal: false },
}

/** Each type with every optional field set. */
const full: Fixtures = {
  session_ready: minimal.session_ready,
  stream_chunk: minimal.stream_chunk,
  response: { ...minimal.response, sig },
  checkpoint: { ...minimal.checkpoint, sig },
  token_expiring: { ...minimal.token_expiring, session_id: '42' },
  session_closed: { ...minimal.session_closed, session_id: '42' },
  pong: { ...minimal.pong, session_id: '42' },
  error: {
    ...minimal.error,
    session_id: '42',
    request_id: 'req-1',
    code: 'RATE_LIMITED',
    retry_after_ms: 1500,
    fatal: true,
  },
}

const types = Object.keys(minimal) as HostMessageType[]
const codecs: CompressionName[] = ['gzip', 'deflate-raw']

function withExtra<message extends HostMessage>(m: message, extra: object): message {
  return { ...m, ...extra }
}

describe('valid host messages', () => {
  test.each(types)('%s (required fields only) decodes and round-trips', (type) => {
    const message = minimal[type]
    expect(decodeHostMessage(JSON.stringify(message))).toStrictEqual(message)
    const encoded = encodeMessage(message)
    expect(typeof encoded).toBe('string')
    expect(decodeHostMessage(encoded)).toStrictEqual(message)
  })

  test.each(types)('%s with every optional field decodes and round-trips', (type) => {
    expect(decodeHostMessage(encodeMessage(full[type]))).toStrictEqual(full[type])
  })

  test.each(types)('%s keeps unknown fields', (type) => {
    const message = withExtra(full[type], { x_future: { nested: [1, 'two', null] } })
    expect(decodeHostMessage(JSON.stringify(message))).toStrictEqual(message)
  })

  describe.each(codecs)('compressed with %s', (codec) => {
    test.each(types)('%s round-trips as a binary frame', (type) => {
      const message = withExtra(full[type], { x_padding: 'lorem ipsum '.repeat(200) })
      const frame = encodeMessage(message, { compression: codec })
      expect(frame).toBeInstanceOf(Uint8Array)
      expect((frame as Uint8Array)[0]).toBe(codec === 'gzip' ? 0x02 : 0x01)
      expect(decodeHostMessage(frame, { compression: [codec] })).toStrictEqual(message)
    })
  })

  test.each([
    ...([null, 'gzip', 'deflate-raw'] as const).map((value) => [
      `compression ${value}`,
      'session_ready',
      'compression',
      value,
    ]),
    ['resumed', 'session_ready', 'resumed', true],
    [
      'limits of 1',
      'session_ready',
      'limits',
      Object.fromEntries(
        ['max_message_bytes', 'prompts_per_minute', 'max_context_tokens'].map((key) => [key, 1]),
      ),
    ],
    ...(['stop', 'length', 'cancelled', 'error'] as const).map((value) => [
      `finish_reason ${value}`,
      'response',
      'finish_reason',
      value,
    ]),
    ['truncated context', 'response', 'context.truncated', true],
    ['lower-case hex', 'checkpoint', 'proof_hash', `0x${'ab'.repeat(32)}`],
    ['empty content', 'stream_chunk', 'content', ''],
    ['message of 4096 characters', 'error', 'message', 'm'.repeat(4096)],
    ['retry_after_ms 0', 'error', 'retry_after_ms', 0],
    ...errorCodes.map((code) => [`code ${code}`, 'error', 'code', code]),
  ] as [string, HostMessageType, string, unknown][])('accepts %s', (_, type, path, value) => {
    const message = mutate(full[type], path, value)
    expect(decodeHostMessage(JSON.stringify(message))).toStrictEqual(message)
  })
})

type Row = { type: HostMessageType; path: string; value: unknown; why: string; at?: string }

/** A value of another JSON type than `value`. */
function wrongType(value: unknown): unknown {
  if (typeof value === 'string') return 7
  if (typeof value === 'number') return '7'
  if (typeof value === 'boolean') return 'true'
  return 'x'
}

/** Every top-level and nested field of a message, as dot paths with their values. */
function fields(value: object, prefix = ''): [string, unknown][] {
  return Object.entries(value).flatMap(([key, inner]): [string, unknown][] => {
    const path = `${prefix}${key}`
    if (typeof inner !== 'object' || inner === null) return [[path, inner]]
    return [[path, inner], ...fields(inner, `${path}.`)]
  })
}

const generatedRows: Row[] = types.flatMap((type) => [
  ...fields(minimal[type])
    .filter(([path]) => path !== 'type')
    .map(([path]) => ({ type, path, value: missing, why: 'missing' })),
  ...fields(full[type])
    .filter(([path]) => path !== 'type')
    .flatMap(([path, value]): Row[] => [
      { type, path, value: wrongType(value), why: 'wrong type' },
      ...(path === 'compression' ? [] : [{ type, path, value: null, why: 'null' }]),
    ]),
])

const hexRows = (type: HostMessageType, path: string): Row[] => [
  { type, path, value: `0x${'a'.repeat(62)}`, why: '31 bytes' },
  { type, path, value: `0x${'a'.repeat(63)}`, why: '63 digits' },
  { type, path, value: `0x${'a'.repeat(66)}`, why: '33 bytes' },
  { type, path, value: 'a'.repeat(64), why: 'no 0x' },
  { type, path, value: `0X${'a'.repeat(64)}`, why: '0X' },
  { type, path, value: `0x${'g'.repeat(64)}`, why: 'non-hex digits' },
  { type, path, value: '0x', why: 'empty' },
]

const countRows = (type: HostMessageType, paths: string[]): Row[] =>
  paths.flatMap((path) => [
    { type, path, value: -1, why: 'negative' },
    { type, path, value: 1.5, why: 'fraction' },
  ])

const sessionIdRows: Row[] = types.flatMap((type) =>
  ['0', '01', 'abc', '1'.repeat(79)].map((value) => ({
    type,
    path: 'session_id',
    value,
    why: JSON.stringify(value.slice(0, 8)),
  })),
)

const specificRows: Row[] = [
  ...sessionIdRows,
  ...hexRows('session_ready', 'host_public_key'),
  ...hexRows('response', 'transcript_head'),
  ...hexRows('checkpoint', 'proof_hash'),
  ...hexRows('checkpoint', 'tx_hash'),
  ...countRows('session_ready', ['context_messages', 'context_tokens']),
  ...['max_message_bytes', 'prompts_per_minute', 'max_context_tokens'].flatMap((key) => [
    { type: 'session_ready' as const, path: `limits.${key}`, value: 0, why: 'zero' },
    ...countRows('session_ready', [`limits.${key}`]),
  ]),
  ...['br', 'zstd', 'GZIP', 'none', ''].map(
    (value): Row => ({ type: 'session_ready', path: 'compression', value, why: `"${value}"` }),
  ),
  { type: 'session_ready', path: 'compression', value: ['gzip'], why: 'a list' },
  ...countRows('stream_chunk', ['seq', 'tokens']),
  { type: 'stream_chunk', path: 'request_id', value: '', why: 'empty' },
  { type: 'stream_chunk', path: 'request_id', value: 'a b', why: 'space' },
  { type: 'response', path: 'request_id', value: 'r'.repeat(129), why: '129 characters' },
  { type: 'response', path: 'message_index', value: 0, why: 'zero' },
  ...countRows('response', ['message_index', 'context.messages', 'context.tokens']),
  ...['prompt_tokens', 'completion_tokens', 'total_tokens'].flatMap((key) => [
    ...countRows('response', [`usage.${key}`]),
    ...countRows('session_closed', [`usage.${key}`]),
  ]),
  ...['timeout', 'STOP', 'cancel', ''].map(
    (value): Row => ({ type: 'response', path: 'finish_reason', value, why: `"${value}"` }),
  ),
  ...(['response', 'checkpoint'] as const).flatMap((type) =>
    (
      [
        [sig.slice(1), 'short'],
        [`${sig}==`, 'padded'],
        [`${sig.slice(0, 85)}B`, 'non-zero trailing bits'],
      ] as const
    ).map(([value, why]): Row => ({ type, path: 'sig', value, why })),
  ),
  ...countRows('checkpoint', ['index', 'tokens_claimed', 'cumulative_tokens']),
  ...countRows('token_expiring', ['expires_at']),
  ...['NOPE', 'bad_message', 'ERROR', ''].map(
    (value): Row => ({ type: 'error', path: 'code', value, why: `"${value}"` }),
  ),
  { type: 'error', path: 'message', value: 'm'.repeat(4097), why: '4097 characters' },
  { type: 'error', path: 'request_id', value: 'a b', why: 'space' },
  ...countRows('error', ['retry_after_ms']),
]

describe('malformed host messages', () => {
  test.each([...generatedRows, ...specificRows])('$type: $path $why', (row) => {
    const message = mutate(full[row.type], row.path, row.value)
    const error = rejection(() => decodeHostMessage(JSON.stringify(message)))
    expect(error.details?.split(': ')[0]).toBe(row.at ?? row.path)
    expect(error.shortMessage).toBe(`Invalid "${row.type}" message`)
  })

  test('a rejection names well-formed ids', () => {
    const message = mutate(full.stream_chunk, 'seq', -1)
    const error = rejection(() => decodeHostMessage(JSON.stringify(message)))
    expect([error.sessionId, error.requestId]).toStrictEqual(['42', 'req-1'])
  })
})
