import { describe, expect, test } from 'vitest'
import { encodeMessage } from './encode.js'
import { ProtocolError } from './errors/ProtocolError.js'
import type { PromptMessage } from './messages/client.js'

const prompt = (content: string): PromptMessage => ({
  type: 'prompt',
  session_id: '3',
  message_index: 1,
  ts: 0,
  request_id: 'r',
  content,
})

describe('encodeMessage', () => {
  test('short messages and sessions without compression stay text', () => {
    expect(encodeMessage(prompt('hi'), { compression: 'gzip' })).toBe(JSON.stringify(prompt('hi')))
    expect(typeof encodeMessage(prompt('x'.repeat(5000)))).toBe('string')
    expect(typeof encodeMessage(prompt('x'.repeat(5000)), { compression: null })).toBe('string')
  })

  test('messages of at least thresholdBytes become a binary frame with the codec byte', () => {
    const frame = encodeMessage(prompt('x'.repeat(2000)), { compression: 'deflate-raw' })
    expect(frame).toBeInstanceOf(Uint8Array)
    expect((frame as Uint8Array)[0]).toBe(0x01)
    const gzip = encodeMessage(prompt('y'.repeat(200)), { compression: 'gzip', thresholdBytes: 64 })
    expect((gzip as Uint8Array)[0]).toBe(0x02)
  })

  test('the threshold counts UTF-8 bytes, not characters', () => {
    // 400 three-byte characters: under 1024 characters, over 1024 bytes.
    const frame = encodeMessage(prompt('€'.repeat(400)), { compression: 'gzip' })
    expect(frame).toBeInstanceOf(Uint8Array)
  })

  test('refuses a message over maxMessageBytes', () => {
    try {
      encodeMessage(prompt('€'.repeat(400)), { maxMessageBytes: 1000 })
      expect.unreachable()
    } catch (error) {
      expect(ProtocolError.isInstance(error) && error.code).toBe('MESSAGE_TOO_LARGE')
    }
    expect(() => encodeMessage(prompt('x'.repeat(990)), { maxMessageBytes: 1000 })).toThrow(
      /size limit/,
    )
  })
})
