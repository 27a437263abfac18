// Consumer code for Node projects (compiled by typeDeclarations.test.ts): the `ws` package's
// WebSocket fits the `webSocket` option as it is. Never run.
import { InferenceManager, type WebSocketConstructor } from '@fabstir/inference'
import { webSocket } from '@fabstir/inference/node'
import WebSocket from 'ws'

/** `ws`'s WebSocket, directly and through `@fabstir/inference/node`. */
export function createWithWs(): InferenceManager[] {
  const fromWs: WebSocketConstructor = WebSocket
  return [new InferenceManager({ webSocket: fromWs }), new InferenceManager({ webSocket })]
}
