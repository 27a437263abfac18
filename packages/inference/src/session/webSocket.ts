/**
 * The part of a WebSocket this package uses: the browser's `WebSocket` and the `ws` package's both
 * fit. Messages arrive as `string` (text frames) or `ArrayBuffer` (binary frames, with
 * `binaryType = 'arraybuffer'`).
 */
export interface WebSocketLike {
  readonly readyState: number
  binaryType: string
  send(data: string | Uint8Array): void
  close(code?: number, reason?: string): void
  onopen: ((event: unknown) => void) | null
  onclose: ((event: { code: number; reason: string }) => void) | null
  onerror: ((event: unknown) => void) | null
  onmessage: ((event: { data: unknown }) => void) | null
}

/**
 * A WebSocket constructor: `globalThis.WebSocket` in browsers (and Node ≥ 22), or `webSocket` from
 * `@fabstir/inference/node` (the `ws` package) in Node 20.
 */
export type WebSocketConstructor = new (url: string) => WebSocketLike

/** @internal `readyState` of an open socket. */
export const webSocketOpen = 1
