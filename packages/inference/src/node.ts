import WebSocket from 'ws'
import type { WebSocketConstructor } from './session/webSocket.js'

/**
 * The `ws` package's WebSocket, for Node versions without a global `WebSocket` (Node 20). Pass it
 * to `InferenceManager` as `webSocket`. This entry is Node-only; browsers use their own.
 *
 * @example
 * ```ts
 * import { InferenceManager } from '@fabstir/inference'
 * import { webSocket } from '@fabstir/inference/node'
 *
 * const manager = new InferenceManager({ webSocket })
 * ```
 */
export const webSocket: WebSocketConstructor = WebSocket
