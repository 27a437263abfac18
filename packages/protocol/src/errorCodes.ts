/** Every error code of `fabstir/1` (PROTOCOL.md §4), in the order the spec lists them. */
export const errorCodes = [
  'BAD_MESSAGE',
  'MESSAGE_TOO_LARGE',
  'AUTH_REQUIRED',
  'AUTH_FAILED',
  'TOKEN_EXPIRED',
  'PERMISSION_DENIED',
  'INVALID_SIGNATURE',
  'REPLAYED_MESSAGE',
  'INVALID_MESSAGE_INDEX',
  'SESSION_NOT_FOUND',
  'RATE_LIMITED',
  'CONTEXT_TOO_LARGE',
  'MODEL_UNAVAILABLE',
  'INSUFFICIENT_DEPOSIT',
  'UNAVAILABLE',
  'INTERNAL',
] as const

/** A `fabstir/1` error code. */
export type ErrorCode = (typeof errorCodes)[number]

const httpStatuses: Readonly<Record<ErrorCode, number>> = {
  BAD_MESSAGE: 400,
  MESSAGE_TOO_LARGE: 413,
  AUTH_REQUIRED: 401,
  AUTH_FAILED: 401,
  TOKEN_EXPIRED: 401,
  PERMISSION_DENIED: 403,
  INVALID_SIGNATURE: 401,
  REPLAYED_MESSAGE: 400,
  INVALID_MESSAGE_INDEX: 400,
  SESSION_NOT_FOUND: 404,
  RATE_LIMITED: 429,
  CONTEXT_TOO_LARGE: 413,
  MODEL_UNAVAILABLE: 404,
  INSUFFICIENT_DEPOSIT: 402,
  UNAVAILABLE: 503,
  INTERNAL: 500,
}

/**
 * The HTTP status a host answers with for an error code (PROTOCOL.md §2).
 *
 * @param code - a protocol error code.
 * @returns the status code, e.g. 429 for `RATE_LIMITED`.
 */
export function httpStatusForCode(code: ErrorCode): number {
  return httpStatuses[code]
}

/**
 * Whether a value is one of the protocol's error codes.
 *
 * @param value - anything, typically a code read off the wire.
 */
export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(httpStatuses, value)
}
