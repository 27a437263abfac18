import { deadlineSignal, raceSignal } from '@fabstir/protocol'
import { BillingError } from '../errors/billing.js'

/** @internal Races a promise against the call's deadline. */
export type Race = <T>(promise: Promise<T>) => Promise<T>

/**
 * @internal Runs `run` under one deadline made of `signal` and `timeoutMs`: every promise passed
 * to `race` rejects with `signal.reason` (or a `TimeoutError` `DOMException`) once the deadline
 * fires. viem's reads take no signal, so the request itself is not cancelled; its answer is
 * dropped. The timer and listener are removed when `run` settles.
 *
 * @throws {BillingError} `INVALID_ARGUMENT` for a `timeoutMs` that is not a finite number ≥ 0.
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
  // Timers hold at most 2^31 − 1 ms; a longer (or no) timeout is no timeout.
  const deadline = deadlineSignal(signal, Math.min(timeoutMs ?? 2_147_483_647, 2_147_483_647))
  try {
    return await run((promise) => raceSignal(promise, deadline.signal))
  } finally {
    deadline.dispose()
  }
}
