import { describe, expect, test } from 'vitest'
import { withDeadline } from './abort.js'

const never = () => new Promise<never>(() => {})

describe('withDeadline', () => {
  test('without a signal or timeout the promises pass through', async () => {
    await expect(withDeadline({}, (race) => race(Promise.resolve(7)))).resolves.toBe(7)
    await expect(withDeadline({}, (race) => race(Promise.reject(new Error('no'))))).rejects.toThrow(
      'no',
    )
  })

  test('an aborted signal rejects with its reason before running', async () => {
    const controller = new AbortController()
    controller.abort(new Error('stopped'))
    let ran = false
    await expect(
      withDeadline({ signal: controller.signal }, async () => {
        ran = true
      }),
    ).rejects.toThrow('stopped')
    expect(ran).toBe(false)
  })

  test('a signal that fires mid-call rejects the raced promise, and later races at once', async () => {
    const controller = new AbortController()
    const reason = new Error('cancelled')
    let later: Promise<unknown> | undefined
    const call = withDeadline({ signal: controller.signal }, async (race) => {
      try {
        await race(never())
      } finally {
        later = race(Promise.resolve(1))
      }
    })
    controller.abort(reason)
    await expect(call).rejects.toBe(reason)
    await expect(later).rejects.toBe(reason)
  })

  test('timeoutMs rejects a promise that never settles with a TimeoutError', async () => {
    const error = await withDeadline({ timeoutMs: 1 }, (race) => race(never())).catch(
      (caught: unknown) => caught,
    )
    expect(error).toMatchObject({ name: 'TimeoutError', message: 'Timed out after 1 ms' })
  })

  test('values and errors inside the deadline pass through', async () => {
    const controller = new AbortController()
    await expect(
      withDeadline({ signal: controller.signal, timeoutMs: 60_000 }, (race) =>
        race(Promise.resolve('ok')),
      ),
    ).resolves.toBe('ok')
    await expect(
      withDeadline({ timeoutMs: 60_000 }, (race) => race(Promise.reject(new Error('inner')))),
    ).rejects.toThrow('inner')
  })

  test('a timeout that is not a finite number ≥ 0: INVALID_ARGUMENT', async () => {
    const invalid = expect.objectContaining({ name: 'BillingError', code: 'INVALID_ARGUMENT' })
    await expect(withDeadline({ timeoutMs: -1 }, async () => 1)).rejects.toEqual(invalid)
    await expect(withDeadline({ timeoutMs: Number.NaN }, async () => 1)).rejects.toEqual(invalid)
  })
})
