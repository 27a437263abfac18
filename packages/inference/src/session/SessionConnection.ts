import {
  type ChatMessage,
  type ClientMessage,
  type ClientMessageBase,
  type CompressionName,
  decodeHostMessage,
  encodeMessage,
  type HostMessage,
  type ResponseMessage,
  type SessionReadyMessage,
  type StreamChunkMessage,
  type Usage,
} from '@fabstir/protocol'
import { ConnectionError } from '../errors/connection.js'
import { HostError } from '../errors/host.js'
import { StreamError } from '../errors/stream.js'
import { deadlineSignal, sleep } from '../internal/abort.js'
import { backoffDelayMs, type RetryOptions } from '../internal/backoff.js'
import { redactUrl } from '../internal/url.js'
import { PromptStream, type PromptStreamController } from '../stream/PromptStream.js'
import { type WebSocketConstructor, type WebSocketLike, webSocketOpen } from './webSocket.js'

/**
 * Where a session's connection stands:
 * `connecting` (socket opening) → `open` (socket open, no session yet) → `ready` (after
 * `session_ready`) ⇄ `reconnecting` (socket lost, resuming with backoff) → `closed` (ended,
 * stopped, or reconnecting gave up).
 */
export type SessionState = 'connecting' | 'open' | 'ready' | 'reconnecting' | 'closed'

/** What `session_init` / `session_resume` carry besides the conversation. */
export type SessionParameters = {
  chainId: number
  model: string
  token: string
}

/** @internal Settings of a {@link SessionConnection}. */
export type SessionConnectionSettings = RetryOptions & {
  connectTimeoutMs: number
  firstTokenTimeoutMs: number
  interTokenTimeoutMs: number
  maxBufferedParts: number
  maxPipelinedPrompts: number
  shouldRetry: (error: unknown) => boolean
}

/** @internal What a {@link SessionConnection} reports to its manager. */
export type SessionConnectionEvents = {
  connecting: (detail: { attempt: number }) => void
  ready: (detail: { resumed: boolean; url: string }) => void
  reconnecting: (detail: { attempt: number; delayMs: number; error: unknown }) => void
  closed: (detail: { error: unknown }) => void
  /** A prompt got its final response; `context` is the conversation the host answered it in. */
  answered: (detail: {
    context: readonly ChatMessage[]
    prompt: OutgoingPrompt
    response: ResponseMessage
  }) => void
}

/** @internal A prompt as the caller asked it. */
export type OutgoingPrompt = {
  requestId: string
  content: string
  maxTokens?: number
  temperature?: number
}

type Pending = OutgoingPrompt & {
  controller: PromptStreamController
  /** Sent on the current socket and not answered yet. */
  sent: boolean
  /** Waiting out a `RATE_LIMITED` before it is sent again. */
  delayed: boolean
  /** `RATE_LIMITED` re-sends so far. */
  rateLimitedRetries: number
  /** The user cancelled (or aborted); not re-sent after a reconnect. */
  cancelled: boolean
  /** Next `seq` expected on this attempt. */
  expectedSeq: number
  /** Length of this attempt's text so far. */
  receivedLength: number
  /** Text delivered to the consumer, across attempts. */
  delivered: string
  /** How much of `delivered` this attempt has re-produced (see the no-loss policy). */
  replayedLength: number
  /** The resumed answer contradicted the delivered text; nothing more is delivered. */
  diverged: boolean
}

type Outgoing = ClientMessage extends infer message
  ? message extends ClientMessage
    ? Omit<message, keyof ClientMessageBase>
    : never
  : never

type Waiter<value> = { resolve: (value: value) => void; reject: (error: unknown) => void }

/** Close codes this client uses (4000–4999 is for applications; browsers allow only those and 1000). */
const closeCodes = { normal: 1000, protocolViolation: 4002, timeout: 4008 } as const

const zeroUsage: Usage = { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 }

/**
 * @internal One session's connection to a host: its socket, message queue, `message_index`
 * counter, conversation history, state machine and reconnects. `InferenceManager` holds one per
 * session id.
 */
export class SessionConnection {
  readonly sessionId: string
  readonly jobId: string
  /** The host first, then fallback hosts; reconnects move along it when one cannot be reached. */
  readonly #urls: readonly string[]
  #urlIndex = 0
  readonly #settings: SessionConnectionSettings
  readonly #webSocket: WebSocketConstructor
  readonly #now: () => number
  readonly #events: SessionConnectionEvents
  /** Aborted when the session ends or the manager stops: cancels reconnect waits. */
  readonly #lifetime = new AbortController()

  #state: SessionState = 'connecting'
  #socket: WebSocketLike | undefined
  #nextMessageIndex = 1
  #nextRequestNumber = 1
  #history: ChatMessage[]
  #parameters: SessionParameters | undefined
  #compression: CompressionName | null = null
  #maxMessageBytes: number | undefined
  #pending: Pending[] = []
  #handshake: Waiter<SessionReadyMessage> | undefined
  #ending: Waiter<Usage | undefined> | undefined
  #timer: ReturnType<typeof setTimeout> | undefined
  #timedHead: { pending: Pending; seq: number } | undefined
  #fatalError: HostError | undefined

  constructor(init: {
    sessionId: string
    jobId: string
    urls: readonly string[]
    history: readonly ChatMessage[]
    /** The last `message_index` sent in this session before this connection (0 for none). */
    lastMessageIndex: number
    settings: SessionConnectionSettings
    webSocket: WebSocketConstructor
    now: () => number
    events: SessionConnectionEvents
  }) {
    this.sessionId = init.sessionId
    this.jobId = init.jobId
    this.#urls = init.urls
    this.#history = [...init.history]
    this.#nextMessageIndex = init.lastMessageIndex + 1
    this.#settings = init.settings
    this.#webSocket = init.webSocket
    this.#now = init.now
    this.#events = init.events
  }

  get state(): SessionState {
    return this.#state
  }

  /** The conversation as the client holds it: every prompt and every final response. */
  get history(): readonly ChatMessage[] {
    return this.#history
  }

  /** The model the session was initialized or resumed with. */
  get model(): string | undefined {
    return this.#parameters?.model
  }

  /** Prompts sent or queued that have no final response yet. */
  get pendingCount(): number {
    return this.#pending.length
  }

  /** The `message_index` the next client message gets. */
  get nextMessageIndex(): number {
    return this.#nextMessageIndex
  }

  /** Opens the socket, retrying connection failures with backoff. */
  async open(signal: AbortSignal): Promise<void> {
    await this.#establish(undefined, signal, undefined)
    this.#setState('open')
  }

  /**
   * Sends `session_init` (or `session_resume` with `context`) and waits for `session_ready`,
   * reopening the socket first if it was lost.
   */
  async start(
    parameters: SessionParameters,
    context: readonly ChatMessage[] | undefined,
    signal: AbortSignal,
  ): Promise<SessionReadyMessage> {
    this.#parameters = parameters
    if (context !== undefined) this.#history = [...context]
    else this.#history = []
    const ready = await this.#establish(
      context === undefined ? 'init' : 'resume',
      signal,
      undefined,
    )
    this.#setState('ready')
    this.#events.ready({ resumed: context !== undefined, url: this.#hostUrl })
    this.#pump()
    return ready as SessionReadyMessage
  }

  /** Queues a prompt; it is sent as soon as the session is ready and the pipeline has room. */
  prompt(prompt: Omit<OutgoingPrompt, 'requestId'> & { requestId?: string }): PromptStream {
    const requestId =
      prompt.requestId ?? `p${this.#nextRequestNumber++}-${this.#now().toString(36)}`
    let pending: Pending | undefined
    const { stream, controller } = PromptStream.create({
      requestId,
      maxBufferedParts: this.#settings.maxBufferedParts,
      onCancel: () => {
        if (pending !== undefined) this.#cancel(pending)
      },
    })
    pending = {
      requestId,
      content: prompt.content,
      ...(prompt.maxTokens === undefined ? {} : { maxTokens: prompt.maxTokens }),
      ...(prompt.temperature === undefined ? {} : { temperature: prompt.temperature }),
      controller,
      sent: false,
      delayed: false,
      rateLimitedRetries: 0,
      cancelled: false,
      expectedSeq: 0,
      receivedLength: 0,
      delivered: '',
      replayedLength: 0,
      diverged: false,
    }
    this.#pending.push(pending)
    this.#pump()
    return stream
  }

  /** Aborts a prompt: its stream rejects with `reason` now, and the host is asked to stop. */
  abort(stream: PromptStream, reason: unknown): void {
    const pending = this.#pending.find((item) => item.requestId === stream.requestId)
    if (pending === undefined) return
    pending.controller.fail(reason, { discardBuffered: true })
    this.#cancel(pending)
  }

  /** Sends `session_end`, waits for `session_closed`, and closes. */
  async end(signal: AbortSignal): Promise<Usage | undefined> {
    if (this.#state === 'closed') return undefined
    const closing = new StreamError('STREAM_CLOSED', 'The session was ended', {
      sessionId: this.sessionId,
    })
    for (const pending of this.#pending) pending.controller.fail(closing)
    this.#pending = []
    this.#clearTimer()
    let usage: Usage | undefined
    if (this.#state === 'ready' && this.#socket !== undefined) {
      const ended = new Promise<Usage | undefined>((resolve, reject) => {
        this.#ending = { resolve, reject }
      })
      const onAbort = () => this.#ending?.reject(signal.reason)
      signal.addEventListener('abort', onAbort, { once: true })
      try {
        this.#send({ type: 'session_end' })
        usage = await ended
      } finally {
        signal.removeEventListener('abort', onAbort)
        this.#ending = undefined
      }
    }
    this.#shutdown(undefined)
    return usage
  }

  /** Closes the socket without `session_end`, failing what is pending with `error`. */
  stop(error: unknown): void {
    if (this.#state === 'closed') return
    this.#shutdown(error, error)
  }

  // --- connection -------------------------------------------------------------------------

  /**
   * Opens a socket if there is none, then sends `session_init`/`session_resume` (when `kind` is
   * set) and waits for `session_ready`. Retryable failures are retried with backoff; with
   * `lostWith`, the first attempt is itself a retry (a reconnect) and announces `reconnecting`.
   */
  async #establish(
    kind: 'init' | 'resume' | undefined,
    signal: AbortSignal,
    lostWith: unknown,
  ): Promise<SessionReadyMessage | undefined> {
    let lastError = lostWith
    for (let attempt = lostWith === undefined ? 0 : 1; ; attempt++) {
      if (attempt > 0) {
        if (attempt > this.#settings.retryCount || !this.#settings.shouldRetry(lastError)) {
          throw lastError
        }
        const delayMs = backoffDelayMs(attempt, this.#settings, retryAfterOf(lastError))
        if (lostWith !== undefined) {
          this.#setState('reconnecting')
          this.#events.reconnecting({ attempt, delayMs, error: lastError })
        }
        await sleep(delayMs, signal)
      }
      try {
        if (this.#socket === undefined) {
          this.#setState('connecting')
          this.#events.connecting({ attempt })
          this.#attach(await this.#openSocket(signal))
        }
        return kind === undefined ? undefined : await this.#handshakeOn(kind, signal)
      } catch (error) {
        if (signal.aborted) throw signal.reason
        this.#dropSocket(closeCodes.normal)
        if (HostError.isInstance(error) && !error.isRetryable) throw error
        lastError = error
        // A reconnect that failed tries the next host: the session resumes there with its history.
        if (lostWith !== undefined) this.#urlIndex = (this.#urlIndex + 1) % this.#urls.length
      }
    }
  }

  /** The host the session is on (or being connected to), without credentials. */
  get #hostUrl(): string {
    return redactUrl(this.#url)
  }

  get #url(): string {
    return this.#urls[this.#urlIndex] as string
  }

  #openSocket(signal: AbortSignal): Promise<WebSocketLike> {
    const where = this.#hostUrl
    return new Promise((resolve, reject) => {
      let socket: WebSocketLike
      try {
        socket = new this.#webSocket(this.#url)
      } catch (error) {
        reject(
          new ConnectionError('CONNECT_FAILED', `Could not connect to ${where}`, {
            cause: error,
            sessionId: this.sessionId,
          }),
        )
        return
      }
      socket.binaryType = 'arraybuffer'
      const settle = (error: unknown) => {
        clearTimeout(timer)
        signal.removeEventListener('abort', onAbort)
        socket.onopen = null
        socket.onclose = null
        if (error === undefined) {
          resolve(socket)
          return
        }
        socket.close()
        reject(error)
      }
      const onAbort = () => settle(signal.reason)
      const timer = setTimeout(
        () =>
          settle(
            new ConnectionError('CONNECT_TIMEOUT', `Connecting to ${where} timed out`, {
              details: `no connection within ${this.#settings.connectTimeoutMs} ms`,
              sessionId: this.sessionId,
            }),
          ),
        this.#settings.connectTimeoutMs,
      )
      signal.addEventListener('abort', onAbort, { once: true })
      // The close that follows an error carries the details; a `ws` socket needs a listener.
      socket.onerror = () => {}
      socket.onopen = () => settle(undefined)
      socket.onclose = (event) =>
        settle(
          new ConnectionError('CONNECT_FAILED', `Could not connect to ${where}`, {
            details: `closed with code ${event.code}`,
            sessionId: this.sessionId,
          }),
        )
    })
  }

  async #handshakeOn(kind: 'init' | 'resume', signal: AbortSignal): Promise<SessionReadyMessage> {
    const parameters = this.#parameters
    if (parameters === undefined) throw new TypeError('session parameters are missing')
    const deadline = deadlineSignal(signal, this.#settings.connectTimeoutMs)
    const ready = new Promise<SessionReadyMessage>((resolve, reject) => {
      this.#handshake = { resolve, reject }
    })
    const onAbort = () => {
      const reason: unknown = deadline.signal.reason
      this.#handshake?.reject(
        signal.aborted
          ? reason
          : new ConnectionError('CONNECT_TIMEOUT', 'The host did not answer with session_ready', {
              details: `no session_ready within ${this.#settings.connectTimeoutMs} ms`,
              sessionId: this.sessionId,
            }),
      )
    }
    deadline.signal.addEventListener('abort', onAbort, { once: true })
    try {
      const start = {
        token: parameters.token,
        job_id: this.jobId,
        chain_id: parameters.chainId,
        model: parameters.model,
        compression: ['gzip', 'deflate-raw'],
      }
      if (kind === 'init') this.#send({ type: 'session_init', ...start })
      else {
        this.#send({
          type: 'session_resume',
          ...start,
          conversation_context: this.#history,
          last_message_index: this.#nextMessageIndex - 1,
        })
      }
      const message = await ready
      this.#compression = message.compression
      this.#maxMessageBytes = message.limits.max_message_bytes
      return message
    } finally {
      deadline.signal.removeEventListener('abort', onAbort)
      deadline.dispose()
      this.#handshake = undefined
    }
  }

  #attach(socket: WebSocketLike): void {
    this.#socket = socket
    this.#fatalError = undefined
    this.#compression = null
    socket.onmessage = (event) => {
      if (socket === this.#socket) this.#onMessage(event.data)
    }
    socket.onclose = (event) => {
      if (socket !== this.#socket) return
      this.#socket = undefined
      this.#lost(
        this.#fatalError ??
          new ConnectionError('CONNECTION_LOST', 'The connection to the host closed', {
            details: `closed with code ${event.code}`,
            sessionId: this.sessionId,
          }),
      )
    }
    socket.onerror = () => {}
  }

  #dropSocket(code: number): void {
    const socket = this.#socket
    if (socket === undefined) return
    this.#socket = undefined
    socket.onmessage = null
    socket.onclose = null
    socket.close(code)
  }

  /** The socket is gone: fail the handshake in progress, or reconnect a ready session. */
  #lost(error: unknown): void {
    this.#clearTimer()
    if (this.#handshake !== undefined) {
      this.#handshake.reject(error)
      return
    }
    if (this.#ending !== undefined) {
      this.#ending.resolve(undefined)
      return
    }
    if (this.#state === 'ready') void this.#reconnect(error)
  }

  async #reconnect(error: unknown): Promise<void> {
    this.#setState('reconnecting')
    for (const pending of [...this.#pending]) {
      pending.sent = false
      // A cancelled prompt is not asked again: it settles with what was delivered.
      if (pending.cancelled) this.#settleLocally(pending)
    }
    try {
      await this.#establish('resume', this.#lifetime.signal, error)
    } catch (failure) {
      if (this.#state === 'closed') return
      const final =
        HostError.isInstance(failure) && !failure.isRetryable
          ? failure
          : new ConnectionError('CONNECTION_LOST', 'Lost the connection to the host', {
              cause: failure,
              sessionId: this.sessionId,
            })
      this.#shutdown(final, final)
      return
    }
    this.#setState('ready')
    this.#events.ready({ resumed: true, url: this.#hostUrl })
    this.#pump()
  }

  /** The host broke the protocol: fail the prompt concerned and treat the connection as broken. */
  #violation(error: unknown, target: Pending | undefined, code: number): void {
    if (target !== undefined) {
      this.#remove(target)
      target.controller.fail(error)
    }
    this.#dropSocket(code)
    this.#lost(error)
  }

  #shutdown(error: unknown, failPendingWith?: unknown): void {
    const failure =
      failPendingWith ??
      new StreamError('STREAM_CLOSED', 'The session was closed', { sessionId: this.sessionId })
    for (const pending of this.#pending) pending.controller.fail(failure)
    this.#pending = []
    this.#clearTimer()
    this.#dropSocket(closeCodes.normal)
    this.#lifetime.abort(failure)
    this.#setState('closed')
    this.#events.closed({ error })
  }

  #setState(state: SessionState): void {
    this.#state = state
  }

  // --- sending ----------------------------------------------------------------------------

  #send(body: Outgoing): ClientMessage {
    const socket = this.#socket
    if (socket === undefined || socket.readyState !== webSocketOpen) {
      throw new ConnectionError('CONNECTION_LOST', 'The connection to the host is not open', {
        sessionId: this.sessionId,
      })
    }
    const message = {
      ...body,
      session_id: this.sessionId,
      message_index: this.#nextMessageIndex,
      ts: this.#now(),
    } as ClientMessage
    const frame = encodeMessage(message, {
      compression: this.#compression,
      ...(this.#maxMessageBytes === undefined ? {} : { maxMessageBytes: this.#maxMessageBytes }),
    })
    socket.send(frame)
    this.#nextMessageIndex++
    return message
  }

  /** Sends queued prompts while the session is ready and the pipeline has room. */
  #pump(): void {
    if (this.#state !== 'ready') return
    let inFlight = this.#pending.filter((pending) => pending.sent).length
    for (const pending of [...this.#pending]) {
      if (inFlight >= this.#settings.maxPipelinedPrompts) break
      if (pending.sent || pending.delayed) continue
      if (pending.cancelled) {
        this.#settleLocally(pending)
        continue
      }
      try {
        this.#send({
          type: 'prompt',
          request_id: pending.requestId,
          content: pending.content,
          ...(pending.maxTokens === undefined ? {} : { max_tokens: pending.maxTokens }),
          ...(pending.temperature === undefined ? {} : { temperature: pending.temperature }),
        })
      } catch (error) {
        if (ConnectionError.isInstance(error)) return
        // Too large to send: only this prompt fails.
        this.#remove(pending)
        pending.controller.fail(error)
        continue
      }
      pending.sent = true
      pending.expectedSeq = 0
      pending.receivedLength = 0
      pending.replayedLength = 0
      inFlight++
    }
    this.#armTimer()
  }

  #cancel(pending: Pending): void {
    if (pending.cancelled || !this.#pending.includes(pending)) return
    pending.cancelled = true
    if (!pending.sent) {
      this.#settleLocally(pending)
      return
    }
    try {
      this.#send({ type: 'cancel', request_id: pending.requestId })
    } catch {
      // The socket is gone; the reconnect settles the cancelled prompt locally.
    }
  }

  /** Settles a prompt no host will answer: with what was delivered, and zero usage. */
  #settleLocally(pending: Pending): void {
    this.#remove(pending)
    pending.controller.finish({
      requestId: pending.requestId,
      content: pending.delivered,
      finishReason: 'cancelled',
      usage: zeroUsage,
      transcriptHead: null,
      context: null,
      cached: false,
    })
  }

  #remove(pending: Pending): void {
    const index = this.#pending.indexOf(pending)
    if (index >= 0) this.#pending.splice(index, 1)
  }

  // --- receiving --------------------------------------------------------------------------

  #onMessage(data: unknown): void {
    let message: HostMessage
    try {
      message = decodeHostMessage(data as string | ArrayBuffer, {
        compression:
          this.#state === 'ready'
            ? this.#compression === null
              ? []
              : [this.#compression]
            : ['gzip', 'deflate-raw'],
      })
    } catch (error) {
      this.#violation(error, this.#head(), closeCodes.protocolViolation)
      return
    }
    switch (message.type) {
      case 'session_ready':
        this.#handshake?.resolve(message)
        return
      case 'stream_chunk':
        this.#onChunk(message)
        return
      case 'response':
        this.#onResponse(message)
        return
      case 'error':
        this.#onError(HostError.fromMessage(message))
        return
      case 'session_closed':
        this.#ending?.resolve(message.usage)
        return
      default:
        // checkpoint, token_expiring, pong: nothing to do here yet.
        return
    }
  }

  #head(): Pending | undefined {
    return this.#pending.find((pending) => pending.sent)
  }

  #find(requestId: string): Pending | undefined {
    return this.#pending.find((pending) => pending.sent && pending.requestId === requestId)
  }

  #onChunk(message: StreamChunkMessage): void {
    const pending = this.#find(message.request_id)
    if (pending === undefined) return
    if (message.seq !== pending.expectedSeq) {
      const error = new StreamError(
        'STREAM_SEQUENCE',
        'The host sent a stream chunk out of order',
        {
          details: `expected seq ${pending.expectedSeq}, received ${message.seq}`,
          sessionId: this.sessionId,
          requestId: pending.requestId,
        },
      )
      this.#violation(error, pending, closeCodes.protocolViolation)
      return
    }
    pending.expectedSeq++
    this.#deliver(pending, message.content, message.tokens)
    this.#armTimer()
  }

  /**
   * Hands an attempt's new text to the consumer. After a reconnect the prompt is asked again and
   * the host regenerates from the start: text that re-produces what was already delivered is
   * swallowed, text beyond it is delivered, and text that contradicts it fails the stream with
   * `RESUME_DIVERGED` (the prompt is cancelled on the host).
   */
  #deliver(pending: Pending, text: string, tokens: number): void {
    pending.receivedLength += text.length
    if (pending.diverged) return
    let fresh = text
    if (pending.replayedLength < pending.delivered.length) {
      const expected = pending.delivered.slice(
        pending.replayedLength,
        pending.replayedLength + fresh.length,
      )
      if (fresh.slice(0, expected.length) !== expected) {
        pending.controller.fail(
          new StreamError('RESUME_DIVERGED', 'The resumed answer differs from the text delivered', {
            details: `it diverged within the first ${pending.delivered.length} characters`,
            sessionId: this.sessionId,
            requestId: pending.requestId,
          }),
        )
        pending.diverged = true
        this.#cancel(pending)
        return
      }
      pending.replayedLength += expected.length
      fresh = fresh.slice(expected.length)
      if (fresh === '') return
    }
    pending.delivered += fresh
    pending.replayedLength = pending.delivered.length
    pending.controller.push({ type: 'text-delta', text: fresh, tokens })
  }

  #onResponse(message: ResponseMessage): void {
    const pending = this.#find(message.request_id)
    if (pending === undefined) return
    // Text the chunks did not carry (a host that does not stream) is delivered now.
    if (message.content.length > pending.receivedLength) {
      this.#deliver(pending, message.content.slice(pending.receivedLength), 0)
    }
    this.#remove(pending)
    const context = [...this.#history]
    // The history mirrors the host's conversation: every turn it answered, also cancelled ones.
    this.#history.push(
      { role: 'user', content: pending.content },
      { role: 'assistant', content: message.content },
    )
    pending.controller.finish({
      requestId: pending.requestId,
      content: message.content,
      finishReason: message.finish_reason,
      usage: message.usage,
      transcriptHead: message.transcript_head,
      context: message.context,
      cached: false,
    })
    this.#events.answered({ context, prompt: pending, response: message })
    this.#pump()
  }

  #onError(error: HostError): void {
    // A fatal error closes the socket next; remember why, so the reconnect decision sees it.
    if (error.fatal) this.#fatalError = error
    const pending = error.requestId === undefined ? undefined : this.#find(error.requestId)
    if (pending !== undefined) {
      if (
        error.code === 'RATE_LIMITED' &&
        !pending.cancelled &&
        pending.rateLimitedRetries < this.#settings.retryCount &&
        this.#settings.shouldRetry(error)
      ) {
        pending.rateLimitedRetries++
        pending.sent = false
        pending.delayed = true
        const delayMs = backoffDelayMs(
          pending.rateLimitedRetries,
          this.#settings,
          error.retryAfterMs,
        )
        const timer = setTimeout(() => {
          this.#lifetime.signal.removeEventListener('abort', onClose)
          pending.delayed = false
          this.#pump()
        }, delayMs)
        const onClose = () => clearTimeout(timer)
        this.#lifetime.signal.addEventListener('abort', onClose, { once: true })
        this.#armTimer()
        return
      }
      this.#remove(pending)
      pending.controller.fail(error)
      this.#armTimer()
      this.#pump()
      return
    }
    if (this.#handshake !== undefined) {
      this.#handshake.reject(error)
      return
    }
  }

  // --- timeouts ---------------------------------------------------------------------------

  /** Times the prompt the host is working on: first token, then between tokens. */
  #armTimer(): void {
    const head = this.#state === 'ready' ? this.#head() : undefined
    if (head === this.#timedHead?.pending && head?.expectedSeq === this.#timedHead?.seq) return
    this.#clearTimer()
    if (head === undefined) return
    this.#timedHead = { pending: head, seq: head.expectedSeq }
    const first = head.expectedSeq === 0
    const timeoutMs = first
      ? this.#settings.firstTokenTimeoutMs
      : this.#settings.interTokenTimeoutMs
    this.#timer = setTimeout(() => {
      this.#timedHead = undefined
      const error = new StreamError(
        first ? 'FIRST_TOKEN_TIMEOUT' : 'INTER_TOKEN_TIMEOUT',
        first ? 'The host sent no token in time' : 'The host stalled between tokens',
        {
          details: `nothing within ${timeoutMs} ms`,
          sessionId: this.sessionId,
          requestId: head.requestId,
        },
      )
      this.#violation(error, head, closeCodes.timeout)
    }, timeoutMs)
  }

  #clearTimer(): void {
    clearTimeout(this.#timer)
    this.#timer = undefined
    this.#timedHead = undefined
  }
}

function retryAfterOf(error: unknown): number | undefined {
  return HostError.isInstance(error) ? error.retryAfterMs : undefined
}
