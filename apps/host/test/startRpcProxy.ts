import { createServer, type IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'

/** A JSON-RPC relay on loopback whose link to the chain can be cut and restored. */
export type RpcProxy = {
  url: string
  /** While true, every request's connection is reset, as when the chain's node is unreachable. */
  down: boolean
  close(): Promise<void>
  [Symbol.asyncDispose](): Promise<void>
}

/**
 * Starts a real HTTP relay in front of `target` (a devnet's RPC URL), for fault tests: the host
 * talks to the chain through it, and the test cuts the link.
 */
export async function startRpcProxy(target: string): Promise<RpcProxy> {
  const server = createServer(async (request, response) => {
    if (proxy.down) {
      request.socket.destroy()
      return
    }
    try {
      const upstream = await fetch(target, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: await readBody(request),
      })
      response.writeHead(upstream.status, { 'content-type': 'application/json' })
      response.end(await upstream.text())
    } catch {
      request.socket.destroy()
    }
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  const close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections()
      server.close(() => resolve())
    })
  const proxy: RpcProxy = {
    url: `http://127.0.0.1:${port}`,
    down: false,
    close,
    [Symbol.asyncDispose]: close,
  }
  return proxy
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of request) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks).toString('utf8')
}
