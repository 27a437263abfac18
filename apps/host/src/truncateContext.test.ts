import { describe, expect, test } from 'vitest'
import { type CountedMessage, truncateContext } from './truncateContext.js'

const message = (
  role: CountedMessage['role'],
  content: string,
  tokens: number,
): CountedMessage => ({
  role,
  content,
  tokens,
})

describe('truncateContext', () => {
  const system = message('system', 'rules', 3)
  const conversation = [
    system,
    message('user', 'u1', 4),
    message('assistant', 'a1', 4),
    message('user', 'u2', 2),
    message('assistant', 'a2', 2),
    message('user', 'u3', 1),
  ]

  test('keeps everything that fits', () => {
    expect(truncateContext(conversation, { maxTokens: 16 })).toEqual({
      messages: conversation,
      tokens: 16,
      truncated: false,
    })
  })

  test('drops the oldest turns first and keeps the system message', () => {
    const { messages, tokens, truncated } = truncateContext(conversation, { maxTokens: 8 })
    expect(messages.map((kept) => kept.content)).toEqual(['rules', 'u2', 'a2', 'u3'])
    expect(tokens).toBe(8)
    expect(truncated).toBe(true)
  })

  test('never starts the kept turns with a reply whose prompt was dropped', () => {
    // 12 tokens would allow a1 (4) + u2 + a2 + u3, but a1's prompt is gone, so a1 goes too.
    const { messages } = truncateContext(conversation, { maxTokens: 12 })
    expect(messages.map((kept) => kept.content)).toEqual(['rules', 'u2', 'a2', 'u3'])
  })

  test('without a system message it keeps the most recent turns', () => {
    const { messages } = truncateContext(conversation.slice(1), { maxTokens: 3 })
    expect(messages.map((kept) => kept.content)).toEqual(['u3'])
  })

  test('CONTEXT_TOO_LARGE when the system message and the last message alone do not fit', () => {
    expect(() => truncateContext(conversation, { maxTokens: 3 })).toThrow(
      expect.objectContaining({ code: 'CONTEXT_TOO_LARGE' }),
    )
    expect(() => truncateContext([message('system', 'big', 9)], { maxTokens: 3 })).toThrow(
      expect.objectContaining({ code: 'CONTEXT_TOO_LARGE' }),
    )
  })

  test('an empty conversation fits', () => {
    expect(truncateContext([], { maxTokens: 0 })).toEqual({
      messages: [],
      tokens: 0,
      truncated: false,
    })
  })
})
