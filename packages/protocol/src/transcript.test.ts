import { createHash } from 'node:crypto'
import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import { canonicalJson } from './canonicalJson.js'
import type { PromptMessage } from './messages/client.js'
import type { Hex } from './messages/common.js'
import { nextTranscriptHead, type TranscriptResponse, transcriptGenesis } from './transcript.js'

const prompt = (index: number, content: string): PromptMessage => ({
  type: 'prompt',
  session_id: '7',
  message_index: index,
  ts: 1_764_000_000_000 + index,
  request_id: `r${index}`,
  content,
})
const response = (content: string): TranscriptResponse => ({
  content,
  usage: { prompt_tokens: 3, completion_tokens: 5, total_tokens: 8 },
})

// The chain as PROTOCOL.md §8 writes it, hashed by Node's own SHA-256.
function referenceHead(previous: Hex, p: PromptMessage, r: TranscriptResponse): Hex {
  const { sig: _sig, ...unsigned } = p
  const hash = createHash('sha256')
    .update(Buffer.from(previous.slice(2), 'hex'))
    .update(canonicalJson(unsigned))
    .update(canonicalJson({ content: r.content, usage: r.usage }))
  return `0x${hash.digest('hex')}`
}

const turns = [
  [prompt(1, 'Hello'), response('Hi, how can I help?')],
  [prompt(2, 'Name a prime.'), response('Seven.')],
  [prompt(3, 'Another?'), response('Eleven.')],
] as const

function chain(entries: readonly (readonly [PromptMessage, TranscriptResponse])[]): Hex {
  return entries.reduce<Hex>((head, [p, r]) => nextTranscriptHead(head, p, r), transcriptGenesis)
}

describe('transcript hash chain', () => {
  test('genesis is 32 zero bytes', () => {
    expect(transcriptGenesis).toBe(`0x${'0'.repeat(64)}`)
  })

  test('matches the specification hashed independently', () => {
    let head = transcriptGenesis
    let reference = transcriptGenesis
    for (const [p, r] of turns) {
      head = nextTranscriptHead(head, p, r)
      reference = referenceHead(reference, p, r)
      expect(head).toBe(reference)
    }
    expect(head).toMatch(/^0x[0-9a-f]{64}$/)
  })

  test('a signature on the prompt does not change the head', () => {
    const [p, r] = turns[0]
    const signed = { ...p, sig: 'A'.repeat(86) }
    expect(nextTranscriptHead(transcriptGenesis, signed, r)).toBe(
      nextTranscriptHead(transcriptGenesis, p, r),
    )
  })

  test('depends on the order of turns and on every earlier head', () => {
    const reordered = [turns[1], turns[0], turns[2]]
    expect(chain(reordered)).not.toBe(chain(turns))
    const [p, r] = turns[0]
    const otherStart: Hex = `0x${'00'.repeat(31)}01`
    expect(nextTranscriptHead(otherStart, p, r)).not.toBe(
      nextTranscriptHead(transcriptGenesis, p, r),
    )
  })

  test('tampering with any character of any turn changes the final head', () => {
    const original = chain(turns)
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: turns.length - 1 }),
        fc.constantFrom('prompt', 'response'),
        fc.nat(),
        fc.string({ minLength: 1, maxLength: 1 }),
        (turn, side, position, replacement) => {
          const entries = turns.map(([p, r]): [PromptMessage, TranscriptResponse] => [
            { ...p },
            { ...r },
          ])
          const target = entries[turn]
          if (!target) return
          const record = side === 'prompt' ? target[0] : target[1]
          const at = position % record.content.length
          fc.pre(record.content[at] !== replacement)
          record.content = record.content.slice(0, at) + replacement + record.content.slice(at + 1)
          expect(chain(entries)).not.toBe(original)
        },
      ),
    )
  })

  test.each([
    ['message_index', { message_index: 9 }],
    ['ts', { ts: 1 }],
    ['request_id', { request_id: 'other' }],
    ['max_tokens', { max_tokens: 10 }],
  ])('tampering with the prompt field %s changes the head', (_, change) => {
    const [p, r] = turns[0]
    expect(nextTranscriptHead(transcriptGenesis, { ...p, ...change }, r)).not.toBe(
      nextTranscriptHead(transcriptGenesis, p, r),
    )
  })

  test('tampering with usage changes the head', () => {
    const [p, r] = turns[0]
    const inflated = { ...r, usage: { ...r.usage, completion_tokens: 6 } }
    expect(nextTranscriptHead(transcriptGenesis, p, inflated)).not.toBe(
      nextTranscriptHead(transcriptGenesis, p, r),
    )
  })

  test.each(['0x', '0x00', `0x${'g'.repeat(64)}`, '00'.repeat(32)])(
    'rejects a malformed previous head %s',
    (head) => {
      const [p, r] = turns[0]
      expect(() => nextTranscriptHead(head as Hex, p, r)).toThrow(TypeError)
    },
  )
})
