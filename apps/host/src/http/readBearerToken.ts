import type { IncomingMessage } from 'node:http'
import { ProtocolError } from '@fabstir/protocol'

/**
 * @internal The token of an `Authorization: Bearer <token>` header.
 *
 * @throws {ProtocolError} `AUTH_REQUIRED` when there is no such header.
 */
export function readBearerToken(request: IncomingMessage): string {
  const match = /^Bearer +(\S+) *$/i.exec(request.headers.authorization ?? '')
  if (match?.[1] === undefined) {
    throw new ProtocolError('AUTH_REQUIRED', 'A session token is required', {
      details: 'send Authorization: Bearer <token> (from POST /v1/auth/token)',
    })
  }
  return match[1]
}
