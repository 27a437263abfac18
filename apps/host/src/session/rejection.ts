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
