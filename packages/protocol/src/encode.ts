import { compressFrame } from './compression.js'
import { ProtocolError } from './errors/ProtocolError.js'
import { compressionThresholdBytes, defaultMaxMessageBytes } from './limits.js'
import type { ClientMessage } from './messages/client.js'
import type { CompressionName } from './messages/common.js'
import type { HostMessage } from './messages/host.js'

/** Options of {@link encodeMessage}. */
export type EncodeOptions = {
  /** The session's negotiated compression; without it every message is text. */
  compression?: CompressionName | null
  /** Messages of at least this many bytes of JSON are compressed. @default compressionThresholdBytes (1024) */
  thresholdBytes?: number
  /** Refuse to send a larger message (the peer would reject it). @default defaultMaxMessageBytes (4 MiB) */
  maxMessageBytes?: number
}

/**
 * Encodes a WebSocket message for sending: JSON text, or a compressed binary frame when the
 * session negotiated compression and the JSON is at least `thresholdBytes` long.
 *
 * @param message - a client or host message.
 * @returns a string to send as a text frame, or bytes to send as a binary frame.
 * @throws {ProtocolError} `MESSAGE_TOO_LARGE` when the JSON exceeds `maxMessageBytes`.
 * @example
 * ```ts
 * import { encodeMessage } from '@fabstir/protocol'
 *
 * socket.send(encodeMessage(message, { compression: 'deflate-raw' }))
 * ```
 */
export function encodeMessage(
  message: ClientMessage | HostMessage,
  {
    compression = null,
    thresholdBytes = compressionThresholdBytes,
    maxMessageBytes = defaultMaxMessageBytes,
  }: EncodeOptions = {},
): string | Uint8Array {
  const json = JSON.stringify(message)
  // A UTF-16 unit is at most 3 UTF-8 bytes, so most messages are settled without encoding them.
  const mostBytes = json.length * 3
  if (mostBytes <= maxMessageBytes && (compression === null || mostBytes < thresholdBytes)) {
    return json
  }
  const bytes = new TextEncoder().encode(json)
  if (bytes.length > maxMessageBytes) {
    throw new ProtocolError('MESSAGE_TOO_LARGE', 'Message exceeds the size limit', {
      details: `${bytes.length} bytes, the limit is ${maxMessageBytes}`,
    })
  }
  if (compression === null || bytes.length < thresholdBytes) return json
  return compressFrame(bytes, compression)
}
