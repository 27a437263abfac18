/**
 * A handler slot of a {@link WebSocketLike} (`onopen`, `onmessage`, …). Its parameter is compared in
 * both directions, as a method's is, so each implementation's own event type fits (the DOM's
 * `MessageEvent`, undici's in Node ≥ 22, the `ws` package's) as long as it carries the fields this
 * package reads.
 */
export type WebSocketEventHandler<event> = { handle(event: event): void }['handle'] | null

/**
 * The part of a WebSocket this package uses, written without DOM types: the browser's
 * `WebSocket`, Node ≥ 22's global one and the `ws` package's all fit. Messages arrive as `string`
 * (text frames) or `ArrayBuffer` (binary frames, with `binaryType = 'arraybuffer'`).
 */
export interface WebSocketLike {
  readonly readyState: number
  binaryType: string
  send(data: string | Uint8Array): void
  close(code?: number, reason?: string): void
  onopen: WebSocketEventHandler<unknown>
  onclose: WebSocketEventHandler<{ readonly code: number; readonly reason: string }>
  onerror: WebSocketEventHandler<unknown>
  onmessage: WebSocketEventHandler<{ readonly data: unknown }>
}

/**
 * A WebSocket constructor: `globalThis.WebSocket` in browsers (and Node ≥ 22), or `webSocket` from
 * `@fabstir/inference/node` (the `ws` package) in Node 20. Each is assignable as it is.
 */
export type WebSocketConstructor = new (url: string) => WebSocketLike

/** @internal `readyState` of an open socket. */
export const webSocketOpen = 1
