/** @internal `0x` and 40 hex digits, either case. */
export const addressPattern = /^0x[0-9a-fA-F]{40}$/

/** @internal A decimal uint256 id without leading zeros, at least 1 (PROTOCOL.md formats). */
export const decimalIdPattern = /^[1-9][0-9]{0,77}$/

/** @internal `request_id`, `nonce` and key names: 1–128 of `A–Z a–z 0–9 . _ : -`. */
export const namePattern = /^[A-Za-z0-9._:-]{1,128}$/

/** @internal Normalises a job id given as a decimal string or a bigint. */
export function jobIdString(jobId: unknown, field = 'jobId'): string {
  const text = typeof jobId === 'bigint' ? jobId.toString() : jobId
  if (typeof text !== 'string' || !decimalIdPattern.test(text)) {
    throw new TypeError(`${field} must be a decimal id of at least 1 (a string or bigint)`)
  }
  return text
}

/** @internal Checks a chain id. */
export function assertChainId(chainId: unknown, field = 'chainId'): asserts chainId is number {
  if (typeof chainId !== 'number' || !Number.isSafeInteger(chainId) || chainId < 1) {
    throw new RangeError(`${field} must be a positive safe integer`)
  }
}

/** @internal Checks an address and returns it lowercased. */
export function lowercaseAddress(address: unknown, field: string): `0x${string}` {
  if (typeof address !== 'string' || !addressPattern.test(address)) {
    throw new TypeError(`${field} must be an address: 0x and 40 hex digits`)
  }
  return address.toLowerCase() as `0x${string}`
}
