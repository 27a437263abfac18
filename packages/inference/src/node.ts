import WebSocket from 'ws'
import type { WebSocketConstructor } from './session/webSocket.js'

/**
 * The largest frame the Node `webSocket` accepts: 16 MiB, four times the protocol's default
 * `max_message_bytes` (4 MiB), which leaves room for JSON escaping of a full-size answer. `ws`
 * alone would buffer frames of up to 100 MiB from a hostile host before refusing them; a larger
 * frame fails the socket (an `error` event, `Max payload size exceeded`) without buffering it.
 */
export const maxFramePayloadBytes = 16 * 1024 * 1024

/** `ws`'s WebSocket with {@link maxFramePayloadBytes}; otherwise as `ws` has it. */
class BoundedWebSocket extends WebSocket {
  constructor(url: string) {
    super(url, { maxPayload: maxFramePayloadBytes })
  }
}

/**
 * The `ws` package's WebSocket, for Node versions without a global `WebSocket` (Node 20), with
 * frames capped at {@link maxFramePayloadBytes}. Pass it to `InferenceManager` as `webSocket`.
 * This entry is Node-only; browsers use their own.
 *
 * @example
 * ```ts
 * import { InferenceManager } from '@fabstir/inference'
 * import { webSocket } from '@fabstir/inference/node'
 *
 * const manager = new InferenceManager({ webSocket })
 * ```
 */
export const webSocket: WebSocketConstructor = BoundedWebSocket
