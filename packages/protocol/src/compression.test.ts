import { deflateRawSync, gzipSync } from 'node:zlib'
import { describe, expect, test } from 'vitest'
import { makeConversation } from '../test/conversation.js'
import { rejection } from '../test/helpers.js'
import { compressFrame, decompressFrame, negotiateCompression } from './compression.js'
import type { CompressionName } from './messages/common.js'

const codecs: CompressionName[] = ['gzip', 'deflate-raw']
const encoder = new TextEncoder()

describe('negotiateCompression', () => {
  test.each([
    [['gzip', 'deflate-raw'], 'gzip'],
    [['deflate-raw', 'gzip'], 'deflate-raw'],
    [['zstd', 'deflate-raw'], 'deflate-raw'],
    [['zstd'], null],
    [[], null],
    [undefined, null],
  ])('%j → %s', (offered, chosen) => {
    expect(negotiateCompression(offered)).toBe(chosen)
  })

  test('honours what the host supports', () => {
    expect(negotiateCompression(['gzip', 'deflate-raw'], ['deflate-raw'])).toBe('deflate-raw')
  })
})

describe.each(codecs)('%s frames', (codec) => {
  test('round trip, codec byte first', () => {
    const json = JSON.stringify({ conversation_context: makeConversation(20) })
    const frame = compressFrame(json, codec)
    expect(frame[0]).toBe(codec === 'gzip' ? 0x02 : 0x01)
    const inflated = decompressFrame(frame, { maxBytes: 1 << 20 })
    expect(new TextDecoder().decode(inflated)).toBe(json)
  })

  test('reads what another implementation (node:zlib) wrote', () => {
    const json = encoder.encode(JSON.stringify(makeConversation(30)))
    const body = codec === 'gzip' ? gzipSync(json) : deflateRawSync(json)
    const frame = new Uint8Array([codec === 'gzip' ? 2 : 1, ...body])
    expect(decompressFrame(frame, { maxBytes: 1 << 20 })).toEqual(json)
  })

  test('saves at least 40 % on a realistic 200-message resume context', () => {
    const message = {
      type: 'session_resume',
      session_id: '42',
      message_index: 201,
      ts: 1_764_000_000_000,
      token: 'eyJhbGciOiJFZERTQSJ9.e30.c2ln',
      job_id: '42',
      chain_id: 84532,
      model: 'TheBloke/Llama-2-7B-Chat-GGUF/llama-2-7b-chat.Q4_K_M.gguf',
      conversation_context: makeConversation(200),
      last_message_index: 200,
    }
    const json = encoder.encode(JSON.stringify(message))
    const frame = compressFrame(json, codec)
    const saving = 1 - frame.length / json.length
    expect(json.length).toBeGreaterThan(50_000)
    expect(saving).toBeGreaterThanOrEqual(0.4)
  })

  test('an output one byte over the cap is MESSAGE_TOO_LARGE, at the cap it passes', () => {
    const json = encoder.encode('x'.repeat(10_000))
    const frame = compressFrame(json, codec)
    expect(decompressFrame(frame, { maxBytes: 10_000 })).toHaveLength(10_000)
    rejection(() => decompressFrame(frame, { maxBytes: 9_999 }), 'MESSAGE_TOO_LARGE')
  })

  test.each([
    ['truncated', (frame: Uint8Array) => frame.subarray(0, frame.length - 8)],
    ['codec byte only', (frame: Uint8Array) => frame.subarray(0, 1)],
    ['garbage body', (frame: Uint8Array) => frame.map((byte, index) => (index ? 0xff : byte))],
  ])('%s → BAD_MESSAGE', (_, mangle) => {
    const frame = mangle(compressFrame(JSON.stringify(makeConversation(10)), codec))
    rejection(() => decompressFrame(frame, { maxBytes: 1 << 20 }), 'BAD_MESSAGE')
  })
})

describe('codec byte', () => {
  test.each([
    ['empty frame', new Uint8Array(0)],
    ['unknown codec', new Uint8Array([0x07, 1, 2, 3])],
    ['zero codec', new Uint8Array([0x00, 1, 2, 3])],
  ])('%s → BAD_MESSAGE', (_, frame) => {
    rejection(() => decompressFrame(frame, { maxBytes: 1024 }), 'BAD_MESSAGE')
  })

  test('a codec the session did not negotiate → BAD_MESSAGE', () => {
    const frame = compressFrame('{"a":1}', 'gzip')
    const error = rejection(() =>
      decompressFrame(frame, { maxBytes: 1024, accept: ['deflate-raw'] }),
    )
    expect(error.code).toBe('BAD_MESSAGE')
    expect(error.details).toBe('codec byte 0x02')
  })
})
