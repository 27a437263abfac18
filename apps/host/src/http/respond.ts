import type { ServerResponse } from 'node:http'
import { AuthError } from '@fabstir/auth/host'
import { type HttpErrorBody, httpStatusForCode, ProtocolError } from '@fabstir/protocol'
import type { Logger } from '../logger.js'

/** @internal Sends a JSON body. */
export function sendJson(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body)
  response.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
    ...headers,
  })
  response.end(text)
}

/** @internal Options of {@link sendError}. */
export type SendErrorOptions = {
  /** A status other than the code's own (404 and 405 for routing). */
  status?: number
  headers?: Record<string, string>
  logger: Logger
}

/**
 * @internal Sends `{error:{code, message, retry_after_ms?}}` with the code's HTTP status, and
 * `Retry-After` (whole seconds) for a 429. Anything that is not a {@link ProtocolError} is logged
 * and becomes a bare `INTERNAL`, so no internals leak.
 */
export function sendError(
  response: ServerResponse,
  error: unknown,
  { status, headers = {}, logger }: SendErrorOptions,
): void {
  const refusal = toProtocolError(error, logger)
  const body: HttpErrorBody = {
    error: {
      code: refusal.code,
      message: refusal.shortMessage,
      ...(refusal.retryAfterMs === undefined ? {} : { retry_after_ms: refusal.retryAfterMs }),
      ...(refusal.details === undefined ? {} : { details: refusal.details }),
    },
  }
  const retryAfter =
    refusal.retryAfterMs === undefined
      ? {}
      : { 'retry-after': String(Math.max(1, Math.ceil(refusal.retryAfterMs / 1000))) }
  sendJson(response, status ?? httpStatusForCode(refusal.code), body, { ...retryAfter, ...headers })
}

/**
 * @internal The error as a {@link ProtocolError} (an `AuthError` keeps its code and message);
 * unexpected ones are logged and hidden.
 */
export function toProtocolError(error: unknown, logger: Logger): ProtocolError {
  if (ProtocolError.isInstance(error)) return error
  if (AuthError.isInstance(error)) {
    return new ProtocolError(
      error.code,
      error.shortMessage,
      error.details === undefined ? {} : { details: error.details },
    )
  }
  logger.error('unexpected failure', { error: String(error) })
  return new ProtocolError('INTERNAL', 'The host failed to handle the request', {
    details: 'see the host log',
  })
}
