import type { ClientMessage } from '@fabstir/protocol'
import type { HostContext } from '../internal/HostContext.js'
import { rejection } from './rejection.js'

/**
 * @internal Refuses a replayed or stale client message (PROTOCOL.md §5): its `message_index` must
 * exceed the last one the host accepted for the session, and its `ts` must be within
 * `maxClockSkewMs` of the host's clock. Gaps in `message_index` are allowed: a message lost with a
 * dropped connection, or refused as malformed, leaves one.
 *
 * @param lastMessageIndex - the session's last accepted index; `undefined` for a session the host
 *   does not hold yet.
 * @throws {ProtocolError} `REPLAYED_MESSAGE`.
 */
export function checkFreshness(
  context: HostContext,
  lastMessageIndex: number | undefined,
  message: ClientMessage,
): void {
  if (lastMessageIndex !== undefined && message.message_index <= lastMessageIndex) {
    throw rejection(message, 'REPLAYED_MESSAGE', 'message_index was already used', {
      details: `it must be greater than ${lastMessageIndex}`,
    })
  }
  const skewMs = Math.abs(context.clock.now() - message.ts)
  if (skewMs > context.limits.maxClockSkewMs) {
    throw rejection(message, 'REPLAYED_MESSAGE', 'ts is too far from the host clock', {
      details: `more than ${context.limits.maxClockSkewMs} ms apart`,
    })
  }
}
