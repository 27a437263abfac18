/** @internal The reason a `timeoutMs` deadline aborts with, like `AbortSignal.timeout`'s. */
export function timeoutReason(timeoutMs: number): Error {
  return new DOMException(`Timed out after ${timeoutMs} ms`, 'TimeoutError')
}

/**
 * @internal Checks a `timeoutMs` option.
 *
 * @throws {RangeError} unless it is a finite number from 0 to 2^31 − 1 (what timers accept).
 */
export function assertTimeoutMs(
  timeoutMs: unknown,
  name = 'timeoutMs',
): asserts timeoutMs is number {
  if (
    typeof timeoutMs !== 'number' ||
    !Number.isFinite(timeoutMs) ||
    timeoutMs < 0 ||
    timeoutMs > 2_147_483_647
  ) {
    throw new RangeError(`${name} must be a number of milliseconds from 0 to 2147483647`)
  }
}

/**
 * @internal A signal that fires when `signal` fires or after `timeoutMs`, with `dispose` to drop
 * the timer and listener. Its reason is the caller's `signal.reason` or a `TimeoutError`.
 */
export function deadlineSignal(
  signal: AbortSignal | undefined,
  timeoutMs: number,
): { signal: AbortSignal; dispose: () => void } {
  const controller = new AbortController()
  const onAbort = () => controller.abort(signal?.reason)
  if (signal?.aborted) controller.abort(signal.reason)
  else signal?.addEventListener('abort', onAbort, { once: true })
  const timer = setTimeout(() => controller.abort(timeoutReason(timeoutMs)), timeoutMs)
  return {
    signal: controller.signal,
    dispose: () => {
      clearTimeout(timer)
      signal?.removeEventListener('abort', onAbort)
    },
  }
}

/**
 * @internal Settles like `promise`, or rejects with `signal.reason` as soon as the signal fires
 * (also when the promise then rejects with the abort's side effect, such as a failed fetch). The
 * promise itself runs on; its late outcome is ignored.
 */
export function raceSignal<value>(promise: Promise<value>, signal: AbortSignal): Promise<value> {
  return new Promise<value>((resolve, reject) => {
    if (signal.aborted) {
      promise.catch(() => {})
      reject(signal.reason)
      return
    }
    const onAbort = () => reject(signal.reason)
    signal.addEventListener('abort', onAbort, { once: true })
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort)
        resolve(value)
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort)
        reject(signal.aborted ? signal.reason : error)
      },
    )
  })
}
