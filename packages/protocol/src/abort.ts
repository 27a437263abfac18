/** Options every network call of the SDK takes last. */
export type AbortOptions = {
  /** Aborts the call; it rejects with `signal.reason`. */
  signal?: AbortSignal
  /** Aborts the call after this many milliseconds. */
  timeoutMs?: number
}

/**
 * Whether an error comes from an aborted operation (an `AbortSignal` or a timeout).
 *
 * @param error - anything caught.
 */
export function isAbortError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false
  const { name } = error as { name?: unknown }
  return name === 'AbortError' || name === 'TimeoutError'
}

/**
 * The reason a `timeoutMs` deadline aborts with, like `AbortSignal.timeout`'s: a `TimeoutError`
 * `DOMException` ({@link isAbortError} recognises it).
 *
 * @param timeoutMs - the deadline that passed.
 */
export function timeoutReason(timeoutMs: number): Error {
  return new DOMException(`Timed out after ${timeoutMs} ms`, 'TimeoutError')
}

/**
 * Checks a `timeoutMs` option (or any other millisecond option, named by `name`).
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
 * One deadline for a call's {@link AbortOptions}: a signal that fires when `signal` fires or after
 * `timeoutMs`, and `dispose` to drop the timer and listener once the call settles. Its reason is
 * the caller's `signal.reason` or a `TimeoutError`.
 *
 * @example
 * ```ts
 * import { deadlineSignal } from '@fabstir/protocol'
 *
 * const deadline = deadlineSignal(options.signal, options.timeoutMs ?? 30_000)
 * try {
 *   return await fetch(url, { signal: deadline.signal })
 * } finally {
 *   deadline.dispose()
 * }
 * ```
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
 * Settles like `promise`, or rejects with `signal.reason` as soon as the signal fires (also when
 * the promise then rejects with the abort's side effect, such as a failed fetch). For calls that
 * take no signal (viem's reads): the promise itself runs on; its late outcome is ignored.
 *
 * @param promise - the call.
 * @param signal - its deadline, e.g. from {@link deadlineSignal}.
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
