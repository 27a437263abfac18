import type { AddressInfo } from 'node:net'
import { connect as connectTcp, createServer, type Socket } from 'node:net'

/** One WebSocket frame that crossed a {@link WebSocketRelay}, as it was on the wire. */
export type RelayedFrame = {
  /** `client` for client → host frames, `host` for host → client ones. */
  from: 'client' | 'host'
  /** The relay connection (TCP connection from the client) it crossed: 0 for the first. */
  connection: number
  /** The opcode: 1 text, 2 binary, 0 continuation, 8 close, 9 ping, 10 pong (RFC 6455 §5.2). */
  opcode: number
  /** RSV1, which a permessage-deflate extension sets on the frames it compressed. */
  rsv1: boolean
  /** Bytes of the whole frame on the wire: header, masking key and payload. */
  wireBytes: number
  /** The payload, unmasked. */
  payload: Buffer
}

/** What a {@link RelayOptions.onFrame} hook may ask for: `cut` drops the connection at once. */
export type FrameVerdict = 'cut' | undefined

/** Options of {@link startWebSocketRelay}. */
export type RelayOptions = {
  /**
   * Sees each frame before it is passed on. Returning `cut` drops that connection's two TCP
   * sockets, without a close handshake, before the frame is passed on.
   */
  onFrame?: (frame: RelayedFrame) => FrameVerdict | undefined
}

/** A loopback TCP relay in front of a host that reads the WebSocket frames passing through. */
export type WebSocketRelay = {
  /** The relay's http base URL: give it to the client instead of the host's. */
  url: string
  /** Every frame that crossed, in the order the relay read them. */
  frames: RelayedFrame[]
  /** TCP connections the relay accepted so far. */
  readonly connections: number
  /** Drops every open connection (both sockets, no close handshake), as a broken network does. */
  cut(): void
  close(): Promise<void>
  [Symbol.asyncDispose](): Promise<void>
}

/** The end of an HTTP head: the upgrade request and the `101` answer pass through as they are. */
const headEnd = Buffer.from('\r\n\r\n')

/**
 * Starts a relay on 127.0.0.1 (port 0) that forwards TCP to the host at `targetUrl` and reads the
 * WebSocket frames of each connection: for tests that look at real bytes on the wire, or cut a
 * connection at a chosen frame. Only for WebSocket upgrades; HTTP calls go to the host directly.
 *
 * @param targetUrl - the host's http base URL (on loopback).
 */
export async function startWebSocketRelay(
  targetUrl: string,
  { onFrame }: RelayOptions = {},
): Promise<WebSocketRelay> {
  const target = new URL(targetUrl)
  const frames: RelayedFrame[] = []
  const open = new Set<Socket>()
  let connections = 0

  const server = createServer((client) => {
    const connection = connections++
    const upstream = connectTcp(Number(target.port), target.hostname)
    const sockets = [client, upstream]
    const drop = () => {
      for (const socket of sockets) {
        socket.destroy()
        open.delete(socket)
      }
    }
    for (const socket of sockets) {
      open.add(socket)
      socket.on('error', drop)
      socket.on('close', drop)
    }
    const relay = (from: RelayedFrame['from'], source: Socket, destination: Socket) => {
      let pending = Buffer.alloc(0)
      let inHead = true
      source.on('data', (data: Buffer) => {
        pending = Buffer.concat([pending, data])
        if (inHead) {
          const end = pending.indexOf(headEnd)
          if (end < 0) return
          destination.write(pending.subarray(0, end + headEnd.length))
          pending = pending.subarray(end + headEnd.length)
          inHead = false
        }
        for (;;) {
          const read = readFrame(pending)
          if (read === undefined) return
          const frame: RelayedFrame = { from, connection, ...read }
          frames.push(frame)
          if (onFrame?.(frame) === 'cut') {
            drop()
            return
          }
          destination.write(pending.subarray(0, frame.wireBytes))
          pending = pending.subarray(frame.wireBytes)
        }
      })
    }
    relay('client', client, upstream)
    relay('host', upstream, client)
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', resolve)
  })
  const { port } = server.address() as AddressInfo
  const cut = () => {
    for (const socket of open) socket.destroy()
    open.clear()
  }
  let closing: Promise<void> | undefined
  const close = () => {
    closing ??= new Promise<void>((resolve) => {
      cut()
      server.close(() => resolve())
    })
    return closing
  }
  return {
    url: `http://127.0.0.1:${port}`,
    frames,
    get connections() {
      return connections
    },
    cut,
    close,
    [Symbol.asyncDispose]: close,
  }
}

/** Reads the frame at the start of `bytes`, or `undefined` while it is incomplete. */
function readFrame(bytes: Buffer): Omit<RelayedFrame, 'from' | 'connection'> | undefined {
  if (bytes.length < 2) return undefined
  const first = bytes[0] as number
  const second = bytes[1] as number
  let length = second & 0x7f
  let offset = 2
  if (length === 126) {
    if (bytes.length < 4) return undefined
    length = bytes.readUInt16BE(2)
    offset = 4
  } else if (length === 127) {
    if (bytes.length < 10) return undefined
    length = Number(bytes.readBigUInt64BE(2))
    offset = 10
  }
  const masked = (second & 0x80) !== 0
  const mask = masked ? bytes.subarray(offset, offset + 4) : undefined
  if (masked) offset += 4
  const wireBytes = offset + length
  if (bytes.length < wireBytes) return undefined
  const payload = Buffer.from(bytes.subarray(offset, wireBytes))
  if (mask !== undefined) {
    for (let index = 0; index < payload.length; index++) {
      payload[index] = (payload[index] as number) ^ (mask[index % 4] as number)
    }
  }
  return { opcode: first & 0x0f, rsv1: (first & 0x40) !== 0, wireBytes, payload }
}

/** The JSON message a text frame carries, or `undefined` for any other frame. */
export function textMessage(frame: RelayedFrame): Record<string, unknown> | undefined {
  if (frame.opcode !== 1) return undefined
  return JSON.parse(frame.payload.toString('utf8')) as Record<string, unknown>
}
