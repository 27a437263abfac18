import { describe, expect, test } from 'vitest'
import { rejection } from '../test/helpers.js'
import { compressFrame } from './compression.js'
import { decodeClientMessage, decodeHostMessage, decodeHttpBody } from './decode.js'
import { encodeMessage } from './encode.js'
import type { PingMessage } from './messages/client.js'

const encoder = new TextEncoder()
const ping: PingMessage = { type: 'ping', session_id: '42', message_index: 1, ts: 0 }
const pingText = JSON.stringify(ping)
const large = { ...ping, x_padding: 'lorem ipsum '.repeat(200) }

/** A ping padded with an unknown field to exactly `bytes` bytes of UTF-8. */
function padTo(bytes: number, filler = 'x'): string {
  const empty = JSON.stringify({ ...ping, pad: '' })
  const room = bytes - encoder.encode(empty).length
  const width = encoder.encode(filler).length
  const fill = filler.repeat(Math.floor(room / width)) + 'x'.repeat(room % width)
  const text = JSON.stringify({ ...ping, pad: fill })
  expect(encoder.encode(text).length).toBe(bytes)
  return text
}

describe('input that is not a message', () => {
  test.each([
    ['not JSON', 'hello'],
    ['truncated JSON', '{"type":"ping"'],
    ['empty text', ''],
    ['trailing garbage', `${pingText}x`],
    ['single quotes', "{'type':'ping'}"],
  ])('%s', (_, text) => {
    const error = rejection(() => decodeClientMessage(text))
    expect(error.details).toBe('syntax error')
  })

  test.each([
    ['an array', '[1,2]'],
    ['a number', '42'],
    ['null', 'null'],
    ['a string', '"ping"'],
    ['a boolean', 'true'],
  ])('JSON that is %s', (_, text) => {
    const error = rejection(() => decodeClientMessage(text))
    expect(error.shortMessage).toBe('Message is not a JSON object')
    rejection(() => decodeHostMessage(text))
  })

  test.each([
    ['missing', {}],
    ['a number', { type: 1 }],
    ['null', { type: null }],
    ['an array', { type: ['ping'] }],
    ['an object', { type: { ping: true } }],
  ])('type %s', (_, patch) => {
    const { type: _type, ...rest } = ping
    const error = rejection(() => decodeClientMessage(JSON.stringify({ ...rest, ...patch })))
    expect(error.shortMessage).toBe('Message has no string "type"')
    expect(error.sessionId).toBe('42')
  })

  test.each([
    ['unknown', 'hello', '"hello"'],
    ['long', 'x'.repeat(200), JSON.stringify('x'.repeat(64))],
    ['empty', '', '""'],
    ['__proto__', '__proto__', '"__proto__"'],
    ['constructor', 'constructor', '"constructor"'],
    ['toString', 'toString', '"toString"'],
    ['a host type sent by a client', 'pong', '"pong"'],
  ])('%s type', (_, type, details) => {
    const error = rejection(() => decodeClientMessage(JSON.stringify({ ...ping, type })))
    expect(error.shortMessage).toBe('Unknown client message type')
    expect(error.details).toBe(details)
    expect(error.sessionId).toBe('42')
  })

  test('a client type sent by a host is unknown', () => {
    const error = rejection(() => decodeHostMessage(pingText))
    expect([error.shortMessage, error.details]).toStrictEqual([
      'Unknown host message type',
      '"ping"',
    ])
  })

  test.each([
    ['a number', 42],
    ['an object', { type: 'ping' }],
    ['null', null],
    ['undefined', undefined],
    ['a boolean', true],
    ['an array', [123]],
    ['a bigint', 1n],
    ['a Blob-like', { size: 2, text: () => '{}' }],
  ])('input that is %s', (_, input) => {
    const error = rejection(() => decodeClientMessage(input as never))
    expect(error.shortMessage).toBe('Message is neither text nor bytes')
    rejection(() => decodeHostMessage(input as never))
  })
})

describe('prototype pollution', () => {
  const prefix = '{"type":"ping","session_id":"1","message_index":1,"ts":0'
  test.each([
    '"__proto__":{"polluted":1}',
    '"constructor":{"prototype":{"polluted":1}}',
    '"__proto__":{"type":"x"}',
  ])('%s', (extra) => {
    const message = decodeClientMessage(`${prefix},${extra}}`)
    expect(message.type).toBe('ping')
    expect(Object.getPrototypeOf(message)).toBe(Object.prototype)
    expect('polluted' in {}).toBe(false)
    expect(Object.hasOwn(Object.prototype, 'polluted')).toBe(false)
    expect((message as unknown as Record<string, unknown>).polluted).toBeUndefined()
  })

  test('a __proto__ session_id is not a session id', () => {
    const text = '{"type":"ping","__proto__":{"session_id":"1"},"message_index":1,"ts":0}'
    const error = rejection(() => decodeClientMessage(text))
    expect(error.details).toBe('session_id: missing')
    expect(error.sessionId).toBeUndefined()
  })
})

describe('size limit', () => {
  test('text of exactly maxMessageBytes is accepted', () => {
    expect(decodeClientMessage(padTo(100), { maxMessageBytes: 100 }).type).toBe('ping')
    expect(decodeClientMessage(padTo(100, '€'), { maxMessageBytes: 100 }).type).toBe('ping')
  })

  test.each([
    ['ASCII text', padTo(101)],
    ['multi-byte text under the limit in characters', padTo(150, '€')],
    ['text with astral characters', padTo(125, '😀')],
  ])('%s over the limit is MESSAGE_TOO_LARGE', (_, text) => {
    const error = rejection(
      () => decodeClientMessage(text, { maxMessageBytes: 100 }),
      'MESSAGE_TOO_LARGE',
    )
    expect(error.details).toBe('more than 100 bytes')
  })

  test('the multi-byte case really is under the limit in characters', () => {
    expect(padTo(150, '€').length).toBeLessThan(100)
  })

  test('oversized bytes in a text frame are MESSAGE_TOO_LARGE', () => {
    const bytes = encoder.encode(padTo(101))
    rejection(
      () => decodeClientMessage(bytes, { frame: 'text', maxMessageBytes: 100 }),
      'MESSAGE_TOO_LARGE',
    )
    const fits = encoder.encode(padTo(100))
    expect(decodeClientMessage(fits, { frame: 'text', maxMessageBytes: 100 }).type).toBe('ping')
  })

  test.each(['gzip', 'deflate-raw'] as const)('a %s frame inflating past the limit', (codec) => {
    const frame = compressFrame(padTo(2000), codec)
    expect(frame.length).toBeLessThan(200)
    rejection(() => decodeClientMessage(frame, { maxMessageBytes: 1999 }), 'MESSAGE_TOO_LARGE')
    expect(decodeClientMessage(frame, { maxMessageBytes: 2000 }).type).toBe('ping')
  })

  test('the default limit is 4 MiB', () => {
    const text = padTo(4 * 1024 * 1024 + 1)
    rejection(() => decodeClientMessage(text), 'MESSAGE_TOO_LARGE')
    rejection(() => decodeClientMessage(compressFrame(text, 'gzip')), 'MESSAGE_TOO_LARGE')
  })
})

describe('bytes', () => {
  test.each([
    ['lone continuation byte', [0x80]],
    ['invalid byte 0xff', [0xff]],
    ['truncated sequence', [0xe2, 0x82]],
    ['overlong encoding', [0xc0, 0xaf]],
    ['UTF-16 surrogate', [0xed, 0xa0, 0x80]],
  ])('invalid UTF-8 (%s) in a text frame is a BAD_MESSAGE', (_, bad) => {
    const bytes = encoder.encode(pingText.replace('"ts"', '"t@"'))
    const at = bytes.indexOf(0x40)
    const corrupt = new Uint8Array([...bytes.subarray(0, at), ...bad, ...bytes.subarray(at + 1)])
    const error = rejection(() => decodeClientMessage(corrupt, { frame: 'text' }))
    expect(error.shortMessage).toBe('Message is not valid UTF-8')
  })

  test('invalid UTF-8 inside a compressed frame is a BAD_MESSAGE', () => {
    const frame = compressFrame(new Uint8Array([0x7b, 0xff, 0x7d]), 'gzip')
    rejection(() => decodeClientMessage(frame))
  })

  test('text-frame bytes, ArrayBuffer and DataView are accepted', () => {
    const bytes = encoder.encode(pingText)
    const buffer = new ArrayBuffer(bytes.length + 8)
    new Uint8Array(buffer).set(bytes, 4)
    const inputs = [
      bytes,
      bytes.slice().buffer,
      new DataView(buffer, 4, bytes.length),
      new Uint8Array(buffer, 4, bytes.length),
      Buffer.from(pingText),
    ]
    for (const input of inputs) {
      expect(decodeClientMessage(input, { frame: 'text' })).toStrictEqual(ping)
    }
  })

  test('a binary frame in an ArrayBuffer or a DataView at an offset is accepted', () => {
    const frame = encodeMessage(large, { compression: 'deflate-raw' }) as Uint8Array
    const buffer = new ArrayBuffer(frame.length + 16)
    new Uint8Array(buffer).set(frame, 8)
    expect(decodeClientMessage(frame.slice().buffer)).toStrictEqual(large)
    expect(decodeClientMessage(new DataView(buffer, 8, frame.length))).toStrictEqual(large)
  })

  test.each([
    ['an unknown codec byte', [0x03, 1, 2, 3], 'codec byte 0x03'],
    ['codec byte 0', [0x00, 1, 2, 3], 'codec byte 0x00'],
    ['uncompressed JSON', [...encoder.encode(pingText)], 'codec byte 0x7b'],
    ['an empty frame', [], 'empty frame'],
  ])('a binary frame with %s is a BAD_MESSAGE', (_, bytes, details) => {
    const error = rejection(() => decodeClientMessage(new Uint8Array(bytes)))
    expect(error.details).toBe(details)
  })

  test.each([
    ['gzip', ['deflate-raw'], 'codec byte 0x02'],
    ['deflate-raw', ['gzip'], 'codec byte 0x01'],
    ['gzip', [], 'codec byte 0x02'],
  ] as const)('a %s frame when the session negotiated %j', (codec, compression, details) => {
    const frame = encodeMessage(large, { compression: codec })
    const error = rejection(() => decodeClientMessage(frame, { compression }))
    expect(error.details).toBe(details)
    expect(decodeClientMessage(frame, { compression: [codec] })).toStrictEqual(large)
  })

  const corruptions: [string, (frame: Uint8Array) => Uint8Array][] = [
    ['codec byte only', (frame) => frame.subarray(0, 1)],
    ['truncated', (frame) => frame.subarray(0, frame.length - 10)],
    ['cut in half', (frame) => frame.subarray(0, frame.length >> 1)],
    ['random body', (frame) => new Uint8Array([frame[0] ?? 0, ...Array(64).fill(0xa5)])],
    [
      'flipped bytes',
      (frame) => frame.map((byte, index) => (index > 12 && index < 40 ? byte ^ 0x5a : byte)),
    ],
  ]
  describe.each(['gzip', 'deflate-raw'] as const)('a corrupt %s frame', (codec) => {
    test.each(corruptions)('%s is a BAD_MESSAGE', (_, corrupt) => {
      const frame = encodeMessage(large, { compression: codec }) as Uint8Array
      rejection(() => decodeClientMessage(corrupt(frame)))
      rejection(() => decodeHostMessage(corrupt(frame)))
    })
  })

  test('a gzip frame whose trailer length lies is a BAD_MESSAGE', () => {
    const frame = (encodeMessage(large, { compression: 'gzip' }) as Uint8Array).slice()
    frame[frame.length - 4] = ((frame[frame.length - 4] ?? 0) + 1) & 0xff
    rejection(() => decodeClientMessage(frame))
  })
})

describe('errors never leak received values', () => {
  const secret = 'sk-SECRET-0123456789'
  test.each([
    ['a numeric token', { type: 'session_init', token: 1234567890123 }, '1234567890123'],
    ['a secret in chain_id', { type: 'session_init', token: 't', chain_id: secret }, secret],
    ['a secret in model', { type: 'session_init', token: 't', model: { secret } }, secret],
    ['a secret in job_id', { type: 'session_init', token: 't', job_id: secret }, secret],
    ['a secret in max_tokens', { type: 'prompt', request_id: 'r', max_tokens: secret }, secret],
    ['a secret as request_id', { type: 'prompt', request_id: `${secret} !` }, secret],
    ['a secret as content', { type: 'prompt', request_id: 'r', content: [secret] }, secret],
    ['a secret as sig', { type: 'ping', sig: secret }, secret],
    ['a secret as session_id', { type: 'ping', session_id: secret }, secret],
    [
      'a secret as role',
      { type: 'session_resume', conversation_context: [{ role: secret, content: '' }] },
      secret,
    ],
  ])('%s', (_, patch, leaked) => {
    const message = { ...ping, ...patch }
    const error = rejection(() => decodeClientMessage(JSON.stringify(message)))
    expect(error.message).not.toContain(leaked)
    expect(error.details).not.toContain(leaked)
    expect(JSON.stringify(error.toErrorMessage())).not.toContain(leaked)
  })

  test('a secret in invalid JSON', () => {
    const error = rejection(() => decodeClientMessage(`{"token":"${secret}",`))
    expect(error.message).not.toContain(secret)
    expect(JSON.stringify(error.toErrorMessage())).not.toContain(secret)
  })

  test('a secret in a host message', () => {
    const text = JSON.stringify({ type: 'token_expiring', expires_at: secret })
    const error = rejection(() => decodeHostMessage(text))
    expect(error.message).not.toContain(secret)
  })
})

describe('what an error reply may name', () => {
  test('an out-of-range session id is left off, so the reply itself stays valid', () => {
    const text = JSON.stringify({ ...ping, session_id: '9'.repeat(78), message_index: 0 })
    const error = rejection(() => decodeClientMessage(text))
    expect(error.sessionId).toBeUndefined()
    expect(decodeHostMessage(JSON.stringify(error.toErrorMessage())).type).toBe('error')
  })
})

describe('unknown fields are kept at every depth, so signatures over them verify', () => {
  test('in nested objects and arrays', () => {
    const resume = {
      type: 'session_resume',
      session_id: '1',
      message_index: 2,
      ts: 0,
      token: 't',
      job_id: '1',
      chain_id: 1,
      model: 'm',
      conversation_context: [{ role: 'user', content: 'x', name: 'alice' }],
      last_message_index: 1,
    }
    expect(decodeClientMessage(JSON.stringify(resume))).toEqual(resume)
    const closed = {
      type: 'session_closed',
      usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3, cached_tokens: 1 },
    }
    expect(decodeHostMessage(JSON.stringify(closed))).toEqual(closed)
  })
})

describe('a message without a canonical JSON form is refused: a lone surrogate anywhere', () => {
  // JSON text with `\ud800` escapes, as a client would send it: valid JSON, valid UTF-8 (ASCII).
  const prompt = (extra: string) =>
    `{"type":"prompt","session_id":"42","message_index":1,"ts":0,"request_id":"r-1",${extra}}`

  test.each([
    ['content', prompt('"content":"a \\ud800"'), 'content'],
    ['a trailing low surrogate', prompt('"content":"a \\udc00 b"'), 'content'],
    ['an unknown field', prompt('"content":"hi","x_note":"\\ud800"'), 'x_note'],
    [
      'nested in an unknown field',
      prompt('"content":"hi","x":{"a":[1,{"b":"\\udbff"}]}'),
      'x.a.1.b',
    ],
    ['a key', prompt('"content":"hi","x":{"\\ud800":1}'), 'a key in x'],
  ])('in %s: BAD_MESSAGE naming where and the request_id', (_where, text, path) => {
    const error = rejection(() => decodeClientMessage(text))
    expect(error.code).toBe('BAD_MESSAGE')
    expect(error.requestId).toBe('r-1')
    expect(error.sessionId).toBe('42')
    expect(error.details).toBe(`${path}: a lone surrogate`)
    expect(error.toErrorMessage()).toMatchObject({ request_id: 'r-1', code: 'BAD_MESSAGE' })
  })

  test('also in a binary (UTF-8) frame, a host message and an HTTP body', () => {
    const text = prompt('"content":"\\ud800"')
    expect(rejection(() => decodeClientMessage(encoder.encode(text), { frame: 'text' })).code).toBe(
      'BAD_MESSAGE',
    )
    const chunk =
      '{"type":"stream_chunk","session_id":"1","request_id":"r","seq":0,"content":"\\ud800","tokens":1}'
    expect(rejection(() => decodeHostMessage(chunk)).details).toBe('content: a lone surrogate')
    const body = '{"model":"m","prompt":"\\ud800","max_tokens":1}'
    expect(rejection(() => decodeHttpBody('inferenceRequest', body)).details).toBe(
      'prompt: a lone surrogate',
    )
    expect(
      rejection(() => decodeHttpBody('inferenceRequest', { json: { prompt: '\ud800' } })).code,
    ).toBe('BAD_MESSAGE')
  })

  test('valid surrogate pairs and deep nesting pass', () => {
    const text = prompt(
      `"content":"\\ud83d\\ude00 😀","x":${'['.repeat(10_000)}${']'.repeat(10_000)}`,
    )
    expect(decodeClientMessage(text)).toMatchObject({ content: '😀 😀' })
  })
})
