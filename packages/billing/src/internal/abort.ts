import { BillingError } from '../errors/billing.js'

/** @internal Races a promise against the call's deadline. */
export type Race = <T>(promise: Promise<T>) => Promise<T>

/**
 * @internal Runs `run` under one deadline made of `signal` and `timeoutMs`: every promise passed
 * to `race` rejects with `signal.reason` (or a `TimeoutError` `DOMException`) once the deadline
 * fires. viem's reads take no signal, so the request itself is not cancelled; its answer is
 * dropped. The timer and listener are removed when `run` settles.
 */
export async function withDeadline<T>(
  { signal, timeoutMs }: { signal?: AbortSignal | undefined; timeoutMs?: number | undefined },
  run: (race: Race) => Promise<T>,
): Promise<T> {
  if (signal?.aborted) throw signal.reason
  if (signal === undefined && timeoutMs === undefined) return run((promise) => promise)
  if (timeoutMs !== undefined && !(Number.isFinite(timeoutMs) && timeoutMs >= 0)) {
    throw new BillingError(
      'INVALID_ARGUMENT',
      `timeoutMs must be a finite number of milliseconds ≥ 0, got ${timeoutMs}`,
    )
  }

  const controller = new AbortController()
  const onAbort = () => controller.abort(signal?.reason)
  signal?.addEventListener('abort', onAbort, { once: true })
  const timer =
    timeoutMs === undefined
      ? undefined
      : setTimeout(
          () =>
            controller.abort(new DOMException(`Timed out after ${timeoutMs} ms`, 'TimeoutError')),
          timeoutMs,
        )
  const deadline = controller.signal
  const race: Race = (promise) => {
    if (deadline.aborted) {
      promise.catch(() => {})
      return Promise.reject(deadline.reason)
    }
    return new Promise((resolve, reject) => {
      const onDeadline = () => reject(deadline.reason)
      deadline.addEventListener('abort', onDeadline, { once: true })
      promise.then(
        (value) => {
          deadline.removeEventListener('abort', onDeadline)
          resolve(value)
        },
        (error: unknown) => {
          deadline.removeEventListener('abort', onDeadline)
          reject(error)
        },
      )
    })
  }
  try {
    return await run(race)
  } finally {
    clearTimeout(timer)
    signal?.removeEventListener('abort', onAbort)
  }
}
