// Consumer code compiled by typeDeclarations.test.ts where a global WebSocket exists: browsers (the
// DOM lib) and Node ≥ 22 (@types/node ≥ 22, undici's WebSocket). Never run.
import { InferenceManager, type WebSocketConstructor } from '@fabstir/inference'

/** The runtime's own WebSocket, directly and as the option. */
export function createWithGlobal(): InferenceManager[] {
  const native: WebSocketConstructor = globalThis.WebSocket
  return [
    new InferenceManager({ webSocket: native }),
    new InferenceManager({ webSocket: WebSocket }),
  ]
}
