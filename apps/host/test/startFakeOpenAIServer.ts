import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

/** A request the test double received. */
export type FakeOpenAIRequest = {
  path: string
  headers: IncomingHttpHeaders
  /** The parsed JSON body. */
  body: unknown
}

/** Options of {@link startFakeOpenAIServer}. */
export type FakeOpenAIServerOptions = {
  /** The reply's pieces, streamed as one chunk each, then `[DONE]`. @default ['Hello', ',', ' world', '!'] */
  reply?: readonly string[]
  /**
   * Whether `POST /tokenize` exists (as in llama.cpp's server); it counts whitespace-separated
   * words, so tests can tell it from the fallback estimate. @default false
   */
  tokenize?: boolean
  /** Replaces the chat handler, to misbehave: write raw bytes, fail, stall or drop the socket. */
  chat?: (response: ServerResponse, request: FakeOpenAIRequest) => void | Promise<void>
}

/** What {@link startFakeOpenAIServer} resolves to. */
export type FakeOpenAIServer = {
  /** `http://127.0.0.1:<port>`, the `baseUrl` to pass. */
  url: string
  /** Every request received, in order. */
  requests: FakeOpenAIRequest[]
  /** Stops the server and destroys open connections. */
  close(): Promise<void>
  [Symbol.asyncDispose](): Promise<void>
}

/**
 * One `chat.completion.chunk` event as OpenAI-compatible servers stream it.
 *
 * @param content - the delta's content.
 * @param finishReason - set on the last chunk. @default null
 */
export function chunkEvent(content: string, finishReason: string | null = null): string {
  const chunk = {
    id: 'chatcmpl-test',
    object: 'chat.completion.chunk',
    created: 0,
    model: 'test-model',
    choices: [{ index: 0, delta: { content }, finish_reason: finishReason }],
  }
  return `data: ${JSON.stringify(chunk)}\n\n`
}

/**
 * A test double of an OpenAI-compatible server (the part of llama.cpp's `llama-server` a backend
 * uses): `POST /v1/chat/completions` streams server-sent events, `POST /tokenize` optionally
 * answers `{tokens}`; every other path is 404. Listens on 127.0.0.1, port 0.
 *
 * @param options - the reply, whether `/tokenize` exists, a replacement chat handler.
 * @returns the URL, the recorded requests and `close`.
 */
export async function startFakeOpenAIServer({
  reply = ['Hello', ',', ' world', '!'],
  tokenize = false,
  chat,
}: FakeOpenAIServerOptions = {}): Promise<FakeOpenAIServer> {
  const requests: FakeOpenAIRequest[] = []
  const server = createServer(async (request, response) => {
    const chunks: Buffer[] = []
    for await (const chunk of request) chunks.push(chunk as Buffer)
    const text = Buffer.concat(chunks).toString('utf8')
    const recorded = {
      path: request.url ?? '',
      headers: request.headers,
      body: text ? (JSON.parse(text) as unknown) : undefined,
    }
    requests.push(recorded)

    if (request.method === 'POST' && recorded.path === '/v1/chat/completions') {
      if (chat) return chat(response, recorded)
      response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' })
      reply.forEach((piece, index) => {
        response.write(chunkEvent(piece, index === reply.length - 1 ? 'stop' : null))
      })
      response.end('data: [DONE]\n\n')
      return
    }
    if (tokenize && request.method === 'POST' && recorded.path === '/tokenize') {
      const { content } = recorded.body as { content: string }
      const tokens = content
        .split(/\s+/)
        .filter(Boolean)
        .map((_, index) => index + 1)
      response.writeHead(200, { 'content-type': 'application/json' })
      response.end(JSON.stringify({ tokens }))
      return
    }
    response.writeHead(404, { 'content-type': 'application/json' })
    response.end(
      JSON.stringify({ error: { code: 404, message: 'File Not Found', type: 'not_found_error' } }),
    )
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo

  const close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections()
      server.close(() => resolve())
    })
  return { url: `http://127.0.0.1:${port}`, requests, close, [Symbol.asyncDispose]: close }
}
