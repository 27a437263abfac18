import { PermissionUsage } from '@fabstir/auth/host'
import { transcriptGenesis } from '@fabstir/protocol'
import { describe, expect, test, vi } from 'vitest'
import type { ModelBackend } from '../backends/ModelBackend.js'
import { SlidingWindowLimiter } from '../SlidingWindowLimiter.js'
import type { Session } from './Session.js'
import { SessionStore } from './SessionStore.js'

const clock = { time: 0, now: () => clock.time }

function session(id: string, attached = false): Session {
  return {
    id,
    backend: {} as ModelBackend,
    conversation: [],
    transcriptHead: transcriptGenesis,
    usage: { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 },
    lastActivityMs: 0,
    promptLimiter: new SlidingWindowLimiter({ limit: 1, clock }),
    permissionUsage: new PermissionUsage(),
    detach: attached ? () => {} : undefined,
    notify: undefined,
  }
}

describe('SessionStore', () => {
  test('evicts the least recently active session without a socket when full', () => {
    const onEvict = vi.fn()
    const store = new SessionStore({ maxSessions: 2, idleTtlMs: 1000, clock, onEvict })
    const a = session('1')
    const b = session('2')
    store.add(a)
    store.add(b)
    store.touch(a) // b is now the least recent
    store.add(session('3'))
    expect(store.get('2')).toBeUndefined()
    expect(store.get('1')).toBe(a)
    expect(onEvict).toHaveBeenCalledWith(b, 'capacity')
    expect([...store.values()].map((held) => held.id)).toEqual(['1', '3'])
  })

  test('refuses with UNAVAILABLE when every held session has a socket', () => {
    const store = new SessionStore({ maxSessions: 1, idleTtlMs: 1000, clock })
    store.add(session('1', true))
    expect(() => store.add(session('2'))).toThrow(expect.objectContaining({ code: 'UNAVAILABLE' }))
    // Replacing a session by id needs no room.
    store.add(session('1'))
    expect(store.size).toBe(1)
  })

  test('the sweep evicts sessions idle past the TTL, never one with a socket', () => {
    clock.time = 0
    const store = new SessionStore({ maxSessions: 10, idleTtlMs: 1000, clock })
    store.add(session('idle'))
    store.add(session('attached', true))
    clock.time = 500
    const recent = session('recent')
    store.add(recent)
    clock.time = 1200
    expect(store.sweep()).toBe(1)
    expect([...store.values()].map((held) => held.id)).toEqual(['attached', 'recent'])
    clock.time = 5000
    expect(store.sweep()).toBe(1)
    expect(store.get('attached')).toBeDefined()
  })

  test('delete forgets only the same session; touch ignores one not held', () => {
    const store = new SessionStore({ maxSessions: 10, idleTtlMs: 1000, clock })
    const held = session('1')
    store.add(held)
    store.delete(session('1'))
    expect(store.size).toBe(1)
    const stray = session('2')
    clock.time = 77
    store.touch(stray)
    expect(stray.lastActivityMs).toBe(77)
    expect(store.size).toBe(1)
    store.delete(held)
    expect(store.size).toBe(0)
  })

  test('start sweeps on an unref’d timer; stop clears it', () => {
    vi.useFakeTimers()
    try {
      clock.time = 0
      const store = new SessionStore({ maxSessions: 10, idleTtlMs: 1000, clock })
      store.add(session('1'))
      store.start()
      store.start() // once
      clock.time = 2000
      vi.advanceTimersByTime(1000)
      expect(store.size).toBe(0)
      store.stop()
      expect(vi.getTimerCount()).toBe(0)
    } finally {
      vi.useRealTimers()
    }
  })
})
