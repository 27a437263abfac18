import { describe, expect, test } from 'vitest'
import { assertTimeoutMs, deadlineSignal, isAbortError, raceSignal } from './abort.js'

describe('assertTimeoutMs', () => {
  test.each([-1, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 31, '5', undefined])(
    'refuses %s',
    (value) => {
      expect(() => assertTimeoutMs(value)).toThrow(RangeError)
    },
  )

  test('names the option', () => {
    expect(() => assertTimeoutMs(-1, 'pollingIntervalMs')).toThrow(/^pollingIntervalMs must be/)
  })

  test.each([0, 1, 2 ** 31 - 1])('accepts %s', (value) => {
    expect(() => assertTimeoutMs(value)).not.toThrow()
  })
})

describe('deadlineSignal', () => {
  test('fires with a TimeoutError after timeoutMs', async () => {
    const deadline = deadlineSignal(undefined, 1)
    await new Promise((resolve) => deadline.signal.addEventListener('abort', resolve))
    expect(isAbortError(deadline.signal.reason)).toBe(true)
    expect((deadline.signal.reason as Error).name).toBe('TimeoutError')
    deadline.dispose()
  })

  test('follows the caller signal, already aborted or later', () => {
    const reason = new Error('stop')
    const early = deadlineSignal(AbortSignal.abort(reason), 60_000)
    expect(early.signal.reason).toBe(reason)
    early.dispose()

    const controller = new AbortController()
    const late = deadlineSignal(controller.signal, 60_000)
    expect(late.signal.aborted).toBe(false)
    controller.abort(reason)
    expect(late.signal.reason).toBe(reason)
    late.dispose()
  })

  test('dispose stops following the caller', () => {
    const controller = new AbortController()
    const deadline = deadlineSignal(controller.signal, 60_000)
    deadline.dispose()
    controller.abort()
    expect(deadline.signal.aborted).toBe(false)
  })
})

describe('raceSignal', () => {
  test('settles like the promise when nothing aborts', async () => {
    const signal = new AbortController().signal
    await expect(raceSignal(Promise.resolve(7), signal)).resolves.toBe(7)
    const error = new Error('boom')
    await expect(raceSignal(Promise.reject(error), signal)).rejects.toBe(error)
  })

  test('rejects with the reason at once, without waiting for the promise', async () => {
    const controller = new AbortController()
    const never = new Promise<number>(() => {})
    const raced = raceSignal(never, controller.signal)
    const reason = new Error('cancelled')
    controller.abort(reason)
    await expect(raced).rejects.toBe(reason)
  })

  test('an already aborted signal wins, and the promise rejection is not left unhandled', async () => {
    const reason = new Error('cancelled')
    await expect(
      raceSignal(Promise.reject(new Error('late')), AbortSignal.abort(reason)),
    ).rejects.toBe(reason)
  })

  test('a rejection caused by the abort reports the abort reason', async () => {
    const controller = new AbortController()
    const reason = new Error('cancelled')
    const racing = raceSignal(
      new Promise((_, reject) => {
        controller.signal.addEventListener('abort', () => reject(new Error('fetch failed')))
      }),
      controller.signal,
    )
    controller.abort(reason)
    await expect(racing).rejects.toBe(reason)
  })
})
