import { AuthError } from '@fabstir/auth/host'
import { type ClientMessage, type ErrorCode, ProtocolError } from '@fabstir/protocol'

/**
 * @internal The {@link ProtocolError} a host answers a client message with, carrying the message's
 * `session_id` and `request_id` so the client can match the `error` to what it sent.
 *
 * @param message - the offending message.
 * @param code - why it is refused.
 * @param shortMessage - one line for the client; never the message's content.
 */
export function rejection(
  message: ClientMessage,
  code: ErrorCode,
  shortMessage: string,
  options: { details?: string; retryAfterMs?: number; cause?: unknown } = {},
): ProtocolError {
  return new ProtocolError(code, shortMessage, {
    ...options,
    sessionId: message.session_id,
    ...('request_id' in message ? { requestId: message.request_id } : {}),
  })
}

/**
 * @internal An {@link AuthError} (token, signature, replay, permission) as the rejection of a
 * client message, with its `session_id` and `request_id`; anything else is returned as it is.
 */
export function asRejection(message: ClientMessage, error: unknown): unknown {
  if (!AuthError.isInstance(error)) return error
  return rejection(
    message,
    error.code,
    error.shortMessage,
    error.details === undefined ? {} : { details: error.details },
  )
}

/** @internal The refusal of a message whose `sig` is missing or wrong when signing is on (fatal). */
export function invalidSignature(message: ClientMessage): ProtocolError {
  return rejection(message, 'INVALID_SIGNATURE', 'The message signature is not valid', {
    details: 'with signing: true every message must be signed with the session key of the token',
  })
}
