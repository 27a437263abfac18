import { toContractError } from '@fabstir/discovery-registry'

/** @internal The outcome of a read, kept until a check needs it. */
export type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown }

/**
 * @internal Awaits a viem call without throwing: a failure becomes a `ContractError` kept in the
 * result, so reads started together can be checked in order (a read that only fails because an
 * earlier check fails, such as `balanceOf` on a non-token, never hides that check's error).
 */
export function settle<T>(promise: Promise<T>, functionName: string): Promise<Settled<T>> {
  return promise.then(
    (value) => ({ ok: true, value }),
    (error: unknown) => ({ ok: false, error: toContractError(error, functionName) }),
  )
}

/** @internal The value of a settled read, or its error thrown. */
export function take<T>(result: Settled<T>): T {
  if (result.ok) return result.value
  throw result.error
}
