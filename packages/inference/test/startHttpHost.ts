/**
 * A real node:http server on 127.0.0.1, port 0, whose answers each test scripts: for the HTTP API
 * of `fabstir/1` (JSON, server-sent events, error bodies, delays).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

export type HttpHostRequest = {
  method: string
  url: string
  headers: IncomingMessage['headers']
  body: string
}

export type HttpHost = {
  url: string
  requests: HttpHostRequest[]
  close(): Promise<void>
  [Symbol.asyncDispose](): Promise<void>
}

/** Starts the server; `handle` answers each request (its index counts from 0). */
export async function startHttpHost(
  handle: (
    request: HttpHostRequest,
    response: ServerResponse,
    index: number,
  ) => void | Promise<void>,
): Promise<HttpHost> {
  const requests: HttpHostRequest[] = []
  const server = createServer((incoming, response) => {
    const chunks: Buffer[] = []
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk))
    incoming.on('end', () => {
      const request = {
        method: incoming.method ?? 'GET',
        url: incoming.url ?? '/',
        headers: incoming.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      }
      requests.push(request)
      void Promise.resolve(handle(request, response, requests.length - 1)).catch(() => {
        response.destroy()
      })
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  const close = async () => {
    server.closeAllConnections()
    await new Promise<void>((resolve) => server.close(() => resolve()))
  }
  return { url: `http://127.0.0.1:${port}`, requests, close, [Symbol.asyncDispose]: close }
}

/** Answers with a JSON body. */
export function json(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  response.writeHead(status, { 'content-type': 'application/json', ...headers })
  response.end(JSON.stringify(body))
}
