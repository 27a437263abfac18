import { describe, expect, test } from 'vitest'
import type { HostContext } from '../internal/HostContext.js'
import { getHealth } from './describeHost.js'

describe('getHealth', () => {
  test('ok with uptime and sessions, unavailable once the host closes', () => {
    const closing = new AbortController()
    const context = {
      closing: closing.signal,
      clock: { now: () => 12_500 },
      startedAtMs: 10_000,
      activeSockets: new Set([1, 2]),
    } as unknown as HostContext
    expect(getHealth(context)).toEqual({
      status: 'ok',
      version: '0.0.0',
      uptime_s: 2,
      active_sessions: 2,
    })
    closing.abort()
    expect(getHealth(context)).toEqual({ status: 'unavailable', reason: 'shutting down' })
  })
})
