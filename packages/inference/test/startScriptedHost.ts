/**
 * A real `ws` WebSocket server on 127.0.0.1, port 0, that speaks `fabstir/1` as each test scripts
 * it: for fault injection (closing mid-stream, garbage, bad `seq`, stalls, rate limits) that the
 * reference host does not do on purpose. Messages are decoded and encoded with @fabstir/protocol.
 * With a `hostKey` it signs its `response`s and `checkpoint`s (PROTOCOL.md §5) and, once a client
 * asked for `signing: true`, checks every client message with `verifyMessage` against the
 * `clientKey` it was given, answering a bad one with a fatal `INVALID_SIGNATURE` as a host would.
 */
import type { AddressInfo } from 'node:net'
import { type SessionKey, signMessage, verifyMessage } from '@fabstir/auth'
import {
  type ClientMessage,
  type ClientMessageType,
  decodeClientMessage,
  encodeMessage,
  type FinishReason,
  type Hex,
  type HostMessage,
  nextTranscriptHead,
  type PromptMessage,
  type ResponseMessage,
  type SessionReadyMessage,
  transcriptGenesis,
} from '@fabstir/protocol'
import { type WebSocket, WebSocketServer } from 'ws'

export const hostPublicKey: Hex = `0x${'11'.repeat(32)}`

/** One client connection as the script sees it. */
export type ScriptedConnection = {
  /** 0 for the first connection to this host, then 1, 2, … */
  readonly number: number
  /** The next message the client sent on this socket (decoded). */
  next(): Promise<ClientMessage>
  /** The next message, which must be of `type`. */
  expect<type extends ClientMessageType>(
    type: type,
  ): Promise<Extract<ClientMessage, { type: type }>>
  /** The key this host signs with, when it signs. */
  readonly hostKey: SessionKey | undefined
  /**
   * Sends a host message (encoded by @fabstir/protocol), in order with earlier sends. A signing
   * host signs `response`s and `checkpoint`s that have no `sig` yet, unless `sign` is false.
   */
  send(message: HostMessage, options?: { sign?: boolean }): void
  /** Resolves when everything sent so far has been written. */
  flushed(): Promise<void>
  /** Sends raw data as is (for garbage). */
  sendRaw(data: string | Buffer): void
  close(code?: number): void
  /** Drops the TCP connection without a close handshake. */
  terminate(): void
  /** Resolves when the client's socket closed. */
  readonly closed: Promise<{ code: number }>
}

/**
 * Thrown by {@link ScriptedConnection.next} and {@link ScriptedConnection.expect} when the client's
 * socket closed before the message came. A script that lets it escape fails its test (the client
 * left before the script got what it waited for); {@link serveSession} takes it as the end.
 */
export class ClientClosedError extends Error {
  override readonly name = 'ClientClosedError'

  constructor(readonly code: number) {
    super(`client closed (${code})`)
  }
}

/** How long `close()` waits for the scripts to return once every socket is gone. */
const scriptsFinishMs = 10_000

export type ScriptedHost = {
  /** The host's http base URL, as discovery would give it. */
  url: string
  /** Every message every client sent, in order, across connections. */
  received: ClientMessage[]
  /** Whether each received message came as a binary (compressed) frame. */
  binary: boolean[]
  /** Resolves with connection `number` once it was made. */
  connection(number: number): Promise<ScriptedConnection>
  /**
   * The host dies: every socket drops without a close handshake and nothing listens on its port
   * any more, so a reconnect is refused. Scripts run on to their end; a script may call it.
   */
  kill(): Promise<void>
  /**
   * Kills the host, waits for every script to return (at most 10 s) and throws what went wrong: an
   * error a script threw or a message it could not decode (each also printed when it happens), or
   * a script that did not return. Idempotent; a script must not await it (it waits for scripts).
   */
  close(): Promise<void>
  [Symbol.asyncDispose](): Promise<void>
}

/**
 * Starts a scripted host. `script` runs once per connection. An error it throws (a
 * {@link ClientClosedError} too) kills the host at once, so the client cannot wait for an answer
 * that will not come, and fails the test when the test closes the host (hold it with `await using`).
 */
export async function startScriptedHost(
  script: (connection: ScriptedConnection) => Promise<void> | void,
  options: {
    /** Signs `response`s and `checkpoint`s with this key. */
    hostKey?: SessionKey
    /** The client's session public key: with it, messages after `signing: true` are verified. */
    clientKey?: Hex
  } = {},
): Promise<ScriptedHost> {
  const server = new WebSocketServer({ port: 0, host: '127.0.0.1' })
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve)
    server.once('error', reject)
  })
  const received: ClientMessage[] = []
  const binary: boolean[] = []
  const connections: ScriptedConnection[] = []
  const waiters = new Map<number, (connection: ScriptedConnection) => void>()
  const failures: unknown[] = []
  const sockets = new Set<WebSocket>()
  const running: Promise<void>[] = []
  let killed: Promise<void> | undefined
  const kill = () => {
    killed ??= new Promise<void>((resolve) => {
      for (const socket of sockets) socket.terminate()
      server.close(() => resolve())
    })
    return killed
  }
  const fail = (error: unknown) => {
    console.error('scripted host: the script failed', error)
    failures.push(error)
    void kill()
  }

  server.on('connection', (socket, request) => {
    sockets.add(socket)
    if (request.url !== '/v1/session') {
      socket.close(4004, 'not found')
      return
    }
    const queue: ClientMessage[] = []
    let wake: (() => void) | undefined
    let closedCode: number | undefined
    const closed = new Promise<{ code: number }>((resolve) => {
      socket.on('close', (code) => {
        closedCode = code
        sockets.delete(socket)
        wake?.()
        resolve({ code })
      })
    })
    // Outgoing messages are signed in turn, so they leave in the order they were sent.
    let outbox = Promise.resolve()
    const write = (produce: () => Promise<string | Uint8Array> | string | Uint8Array) => {
      outbox = outbox.then(async () => {
        const data = await produce()
        if (socket.readyState === socket.OPEN) socket.send(data)
      })
    }
    // Incoming messages are verified in turn (once signing is on), like a host would.
    let inbox = Promise.resolve()
    let signing = false
    socket.on('message', (data, isBinary) => {
      const frame = isBinary ? new Uint8Array(data as Buffer) : (data as Buffer).toString('utf8')
      let message: ClientMessage
      try {
        message = decodeClientMessage(frame)
      } catch (error) {
        fail(error)
        return
      }
      received.push(message)
      binary.push(isBinary)
      inbox = inbox.then(async () => {
        if (
          (message.type === 'session_init' || message.type === 'session_resume') &&
          message.signing === true
        ) {
          signing = options.clientKey !== undefined
        }
        if (signing && !(await verifyMessage(message, options.clientKey as Hex))) {
          write(() =>
            encodeMessage({
              type: 'error',
              session_id: message.session_id,
              code: 'INVALID_SIGNATURE',
              message: 'bad client signature',
              fatal: true,
            }),
          )
          await outbox
          socket.close(4001)
          return
        }
        queue.push(message)
        wake?.()
      }, fail)
    })
    const next = async (): Promise<ClientMessage> => {
      for (;;) {
        const message = queue.shift()
        if (message !== undefined) return message
        if (closedCode !== undefined) throw new ClientClosedError(closedCode)
        await new Promise<void>((resolve) => {
          wake = resolve
        })
        wake = undefined
      }
    }
    const connection: ScriptedConnection = {
      number: connections.length,
      next,
      expect: async (type) => {
        const message = await next()
        if (message.type !== type) throw new Error(`expected ${type}, got ${message.type}`)
        return message as never
      },
      hostKey: options.hostKey,
      send: (message, { sign = true } = {}) => {
        const key = options.hostKey
        if (
          key !== undefined &&
          sign &&
          (message.type === 'response' || message.type === 'checkpoint') &&
          message.sig === undefined
        ) {
          write(async () => encodeMessage((await signMessage(message, key)) as HostMessage))
        } else {
          write(() => encodeMessage(message))
        }
      },
      flushed: () => outbox,
      sendRaw: (data) => write(() => data),
      // After what was sent before, as when sending was synchronous.
      close: (code = 1000) => {
        outbox = outbox.then(() => socket.close(code))
      },
      terminate: () => {
        outbox = outbox.then(() => socket.terminate())
      },
      closed,
    }
    connections.push(connection)
    waiters.get(connection.number)?.(connection)
    running.push(
      (async () => {
        try {
          await script(connection)
        } catch (error) {
          fail(error)
        }
      })(),
    )
  })

  const { port } = server.address() as AddressInfo
  let closing: Promise<void> | undefined
  const close = () => {
    closing ??= (async () => {
      await kill()
      let timer: ReturnType<typeof setTimeout> | undefined
      const finished = await Promise.race([
        Promise.all(running).then(() => true),
        new Promise<false>((resolve) => {
          timer = setTimeout(() => resolve(false), scriptsFinishMs)
        }),
      ])
      clearTimeout(timer)
      if (!finished) {
        failures.push(new Error(`a script did not return within ${scriptsFinishMs} ms of close()`))
      }
      if (failures.length === 1) throw failures[0]
      if (failures.length > 1) throw new AggregateError(failures, 'scripted host: scripts failed')
    })()
    return closing
  }
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    binary,
    connection: (number) => {
      const existing = connections[number]
      if (existing !== undefined) return Promise.resolve(existing)
      return new Promise((resolve) => waiters.set(number, resolve))
    },
    kill,
    close,
    [Symbol.asyncDispose]: close,
  }
}

/** A `session_ready` for `sessionId`. */
export function sessionReady(
  sessionId: string,
  overrides: Partial<SessionReadyMessage> = {},
): SessionReadyMessage {
  return {
    type: 'session_ready',
    session_id: sessionId,
    resumed: false,
    context_messages: 0,
    context_tokens: 0,
    limits: {
      max_message_bytes: 4 * 1024 * 1024,
      prompts_per_minute: 600,
      max_context_tokens: 8192,
    },
    compression: null,
    signing: false,
    host_public_key: hostPublicKey,
    ...overrides,
  }
}

/** Builds the final `response` of a prompt and advances the transcript head. */
export class Transcript {
  head: Hex = transcriptGenesis

  response(
    prompt: PromptMessage,
    content: string,
    finishReason: FinishReason = 'stop',
    completionTokens = content.length,
  ): ResponseMessage {
    const usage = {
      prompt_tokens: prompt.content.length,
      completion_tokens: completionTokens,
      total_tokens: prompt.content.length + completionTokens,
    }
    this.head = nextTranscriptHead(this.head, prompt, { content, usage })
    return {
      type: 'response',
      session_id: prompt.session_id,
      request_id: prompt.request_id,
      message_index: prompt.message_index,
      content,
      finish_reason: finishReason,
      usage,
      context: { messages: 2, tokens: usage.total_tokens, truncated: false },
      transcript_head: this.head,
    }
  }
}

/** Sends `chunks` of a prompt as `stream_chunk`s, `seq` from `firstSeq`. */
export function sendChunks(
  connection: ScriptedConnection,
  prompt: PromptMessage,
  chunks: readonly string[],
  firstSeq = 0,
): void {
  chunks.forEach((content, index) => {
    connection.send({
      type: 'stream_chunk',
      session_id: prompt.session_id,
      request_id: prompt.request_id,
      seq: firstSeq + index,
      content,
      tokens: 1,
    })
  })
}

/**
 * Hands each message of `type` to `handle`, in order, until the client's socket closes: for a
 * script whose normal end is the client leaving. Another message type fails the script.
 */
export async function forEachUntilClosed<type extends ClientMessageType>(
  connection: ScriptedConnection,
  type: type,
  handle: (message: Extract<ClientMessage, { type: type }>) => Promise<void> | void,
): Promise<void> {
  for (;;) {
    let message: Extract<ClientMessage, { type: type }>
    try {
      message = await connection.expect(type)
    } catch (error) {
      if (error instanceof ClientClosedError) return
      throw error
    }
    await handle(message)
  }
}

/**
 * A well-behaved host: answers `session_init`/`session_resume` with `session_ready`, each prompt
 * with `answer(prompt)` as chunks then a response, `ping` with `pong`, `session_end` with
 * `session_closed`. Returns when the client leaves (after `session_end`, or its socket closed).
 */
export async function serveSession(
  connection: ScriptedConnection,
  answer: (prompt: PromptMessage) => readonly string[] = (prompt) => ['echo: ', prompt.content],
  transcript = new Transcript(),
): Promise<void> {
  for (;;) {
    let message: ClientMessage
    try {
      message = await connection.next()
    } catch (error) {
      if (error instanceof ClientClosedError) return
      throw error
    }
    switch (message.type) {
      case 'session_init':
      case 'session_resume':
        connection.send(
          sessionReady(message.session_id, {
            resumed: message.type === 'session_resume',
            context_messages:
              message.type === 'session_resume' ? message.conversation_context.length : 0,
            ...(connection.hostKey === undefined
              ? {}
              : {
                  signing: message.signing === true,
                  host_public_key: connection.hostKey.publicKey,
                }),
          }),
        )
        break
      case 'prompt': {
        const chunks = answer(message)
        sendChunks(connection, message, chunks)
        connection.send(transcript.response(message, chunks.join('')))
        break
      }
      case 'ping':
        connection.send({ type: 'pong', session_id: message.session_id })
        break
      case 'session_end':
        connection.send({
          type: 'session_closed',
          session_id: message.session_id,
          usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 },
        })
        connection.close()
        return
      default:
        break
    }
  }
}
