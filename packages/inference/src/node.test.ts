import { once } from 'node:events'
import type { AddressInfo } from 'node:net'
import { expect, test } from 'vitest'
import { WebSocketServer } from 'ws'
import { maxFramePayloadBytes, webSocket } from './node.js'

async function startSender(payloadBytes: number) {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 })
  await once(server, 'listening')
  server.on('connection', (socket) => socket.send(Buffer.alloc(payloadBytes, 0x61)))
  const { port } = server.address() as AddressInfo
  return {
    url: `ws://127.0.0.1:${port}`,
    [Symbol.asyncDispose]: () =>
      new Promise<void>((resolve) => {
        for (const client of server.clients) client.terminate()
        server.close(() => resolve())
      }),
  }
}

function receive(url: string) {
  const socket = new webSocket(url)
  return new Promise<{ messages: number; errors: string[] }>((resolve) => {
    let messages = 0
    const errors: string[] = []
    socket.onerror = (event) => errors.push(String((event as { message?: unknown }).message))
    socket.onmessage = () => {
      messages += 1
      socket.close()
    }
    socket.onclose = () => resolve({ messages, errors })
  })
}

test('a frame over maxFramePayloadBytes fails the socket and is never delivered', async () => {
  await using sender = await startSender(maxFramePayloadBytes + 1)
  expect(await receive(sender.url)).toEqual({
    messages: 0,
    errors: ['Max payload size exceeded'],
  })
})

test('a frame of exactly maxFramePayloadBytes is delivered', async () => {
  await using sender = await startSender(maxFramePayloadBytes)
  expect(await receive(sender.url)).toEqual({ messages: 1, errors: [] })
})
