import { describe, expect, test } from 'vitest'
import { ReplayGuard } from './ReplayGuard.js'

let clock = 1_750_000_000_000
const now = () => clock
const message = (session: string, index: number, ts = clock) => ({
  type: 'prompt' as const,
  session_id: session,
  message_index: index,
  ts,
})

function codeOf(action: () => unknown): string | undefined {
  try {
    action()
  } catch (error) {
    return (error as { code?: string }).code
  }
  return undefined
}

describe('ReplayGuard', () => {
  test('accepts increasing indexes and rejects a replayed message_index with REPLAYED_MESSAGE', () => {
    const guard = new ReplayGuard({ now })
    const first = message('1', 1)
    expect(guard.check(first)).toBe(first)
    guard.check(message('1', 2))
    guard.check(message('1', 5)) // gaps are allowed
    expect(codeOf(() => guard.check(message('1', 5)))).toBe('REPLAYED_MESSAGE')
    expect(codeOf(() => guard.check(message('1', 3)))).toBe('REPLAYED_MESSAGE')
    expect(guard.getLastIndex('1')).toBe(5)
    // sessions are independent
    guard.check(message('2', 1))
    expect(guard.getLastIndex('2')).toBe(1)
  })

  test('rejects a stale or future ts (±60 s) with REPLAYED_MESSAGE and does not advance', () => {
    const guard = new ReplayGuard({ now })
    expect(codeOf(() => guard.check(message('1', 1, clock - 60_001)))).toBe('REPLAYED_MESSAGE')
    expect(codeOf(() => guard.check(message('1', 1, clock + 60_001)))).toBe('REPLAYED_MESSAGE')
    expect(guard.getLastIndex('1')).toBeUndefined()
    guard.check(message('1', 1, clock - 60_000))
    guard.check(message('1', 2, clock + 60_000))
    clock += 120_000
    expect(codeOf(() => guard.check(message('1', 3, clock - 120_000)))).toBe('REPLAYED_MESSAGE')
    guard.check(message('1', 3))
  })

  test('the error names the session and can be sent as a wire error', () => {
    const guard = new ReplayGuard({ now })
    guard.check(message('9', 2))
    try {
      guard.check(message('9', 2))
      expect.unreachable()
    } catch (error) {
      expect(error).toMatchObject({ name: 'AuthError', sessionId: '9' })
      expect(
        (error as { toErrorMessage: (options: object) => unknown }).toErrorMessage({ fatal: true }),
      ).toEqual({
        type: 'error',
        session_id: '9',
        code: 'REPLAYED_MESSAGE',
        message: 'The message was replayed: message_index 2 is not above the last accepted 2',
        fatal: true,
      })
    }
  })

  test('malformed fields: INVALID_MESSAGE_INDEX and BAD_MESSAGE', () => {
    const guard = new ReplayGuard({ now })
    expect(codeOf(() => guard.check(message('1', 0)))).toBe('INVALID_MESSAGE_INDEX')
    expect(codeOf(() => guard.check(message('1', 1.5)))).toBe('INVALID_MESSAGE_INDEX')
    expect(codeOf(() => guard.check(message('1', 1, Number.NaN)))).toBe('BAD_MESSAGE')
    // @ts-expect-error: a number is not a session id
    expect(codeOf(() => guard.check({ session_id: 1, message_index: 1, ts: clock }))).toBe(
      'BAD_MESSAGE',
    )
  })

  test('memory is bounded: the least recently used session is evicted', () => {
    const guard = new ReplayGuard({ now, maxSessions: 2 })
    guard.check(message('a', 1))
    guard.check(message('b', 1))
    guard.check(message('a', 2)) // a is now the most recent
    guard.check(message('c', 1)) // evicts b
    expect(guard.size).toBe(2)
    expect(guard.evictions).toBe(1)
    expect(guard.getLastIndex('b')).toBeUndefined()
    expect(guard.getLastIndex('a')).toBe(2)
    expect(guard.delete('a')).toBe(true)
    expect(guard.delete('a')).toBe(false)
    expect(guard.size).toBe(1)
  })

  test('setLastIndex continues a resumed session and never lowers an index', () => {
    const guard = new ReplayGuard({ now, maxSessions: 1 })
    guard.setLastIndex('7', 10)
    expect(codeOf(() => guard.check(message('7', 10)))).toBe('REPLAYED_MESSAGE')
    guard.check(message('7', 11))
    guard.setLastIndex('7', 3)
    expect(guard.getLastIndex('7')).toBe(11)
    guard.setLastIndex('8', 0)
    expect(guard.evictions).toBe(1)
    expect(() => guard.setLastIndex('7', -1)).toThrow(RangeError)
  })

  test('options are checked', () => {
    expect(() => new ReplayGuard({ maxSessions: 0 })).toThrow(RangeError)
    expect(() => new ReplayGuard({ maxClockSkewMs: 0.5 })).toThrow(RangeError)
    expect(new ReplayGuard().check(message('1', 1, Date.now()))).toBeTruthy()
  })
})
