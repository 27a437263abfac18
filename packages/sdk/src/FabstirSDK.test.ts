import { once } from 'node:events'
import { type AddressInfo, createServer, type Server, type Socket } from 'node:net'
import {
  ConnectionError,
  InferenceManager,
  type WebSocketConstructor,
  type WebSocketLike,
} from '@fabstir/inference'
import { expect, onTestFinished, test } from 'vitest'
import { FabstirSDK } from './FabstirSDK.js'
import { webSocket } from './node.js'

/**
 * A TCP server on 127.0.0.1 that never answers a WebSocket upgrade: with `refuse` it drops each
 * connection at once (a failed connect), otherwise it holds it silent (a connect that times out).
 * Counts the connections it saw; closed when the test ends.
 */
async function startSilentServer({ refuse }: { refuse: boolean }) {
  const sockets = new Set<Socket>()
  let connections = 0
  const server: Server = createServer((socket) => {
    connections += 1
    if (refuse) socket.destroy()
    else sockets.add(socket)
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  onTestFinished(async () => {
    for (const socket of sockets) socket.destroy()
    server.close()
    await once(server, 'close')
  })
  const { port } = server.address() as AddressInfo
  return { url: `http://127.0.0.1:${port}`, connections: () => connections }
}

/** The `ws` WebSocket of `@fabstir/sdk/node`, recording the URL of every socket it opens. */
function createRecordingWebSocket(): { webSocket: WebSocketConstructor; urls: string[] } {
  const urls: string[] = []
  const base = webSocket as new (url: string) => WebSocketLike
  class RecordingWebSocket extends base {
    constructor(url: string) {
      super(url)
      urls.push(url)
    }
  }
  return { webSocket: RecordingWebSocket, urls }
}

test('creates one InferenceManager on first use, with the inference options', async () => {
  const sdk = new FabstirSDK({ inference: { retryCount: 0 } })
  const manager = sdk.getInferenceManager()
  expect(manager).toBeInstanceOf(InferenceManager)
  expect(sdk.getInferenceManager()).toBe(manager)
  await sdk.stop()
})

test('the manager opens sockets with the given webSocket, and retries retryCount times', async () => {
  const server = await startSilentServer({ refuse: true })
  const recording = createRecordingWebSocket()
  // Node 20 has no global WebSocket: without the given one the manager could not connect at all.
  await using sdk = new FabstirSDK({
    inference: { webSocket: recording.webSocket, retryCount: 2, retryDelayMs: 1 },
  })

  const error = await sdk
    .getInferenceManager()
    .connectToSession('7', server.url, '7')
    .catch((caught: unknown) => caught)

  expect(ConnectionError.isInstance(error)).toBe(true)
  expect(error).toMatchObject({ code: 'CONNECT_FAILED' })
  // The first attempt and 2 retries (the default, 3, would make 4), each through the given class.
  const sessionUrl = `${server.url.replace('http:', 'ws:')}/v1/session`
  expect(recording.urls).toEqual([sessionUrl, sessionUrl, sessionUrl])
  expect(server.connections()).toBe(3)
})

test('the manager asks the given shouldRetry before retrying', async () => {
  const server = await startSilentServer({ refuse: true })
  const asked: unknown[] = []
  await using sdk = new FabstirSDK({
    inference: {
      webSocket,
      retryCount: 3,
      shouldRetry: (error) => {
        asked.push(error)
        return false
      },
    },
  })

  const error = await sdk
    .getInferenceManager()
    .connectToSession('7', server.url, '7')
    .catch((caught: unknown) => caught)

  expect(asked).toEqual([error])
  expect(server.connections()).toBe(1)
})

test('the manager gives up connecting after the given connectTimeoutMs', async () => {
  const server = await startSilentServer({ refuse: false })
  await using sdk = new FabstirSDK({
    inference: { webSocket, connectTimeoutMs: 150, retryCount: 0 },
  })

  // The call's own deadline only bounds the test should the manager not have the option.
  const error = await sdk
    .getInferenceManager()
    .connectToSession('7', server.url, '7', undefined, { timeoutMs: 5_000 })
    .catch((caught: unknown) => caught)

  // Not the call's deadline, nor the default 10 s: the limit given, named in the message.
  expect(error).toMatchObject({ name: 'ConnectionError', code: 'CONNECT_TIMEOUT' })
  expect((error as ConnectionError).message).toContain('no connection within 150 ms')
  expect(server.connections()).toBe(1)
})

test('stops without having created anything, and disposes', async () => {
  await using sdk = new FabstirSDK()
  await expect(sdk.stop()).resolves.toBeUndefined()
})
