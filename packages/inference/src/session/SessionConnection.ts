import { type SessionKey, signMessage, verifyMessage } from '@fabstir/auth'
import {
  type ChatMessage,
  type CheckpointMessage,
  type ClientMessage,
  type ClientMessageBase,
  type CompressionName,
  decodeHostMessage,
  encodeMessage,
  type Hex,
  type HostMessage,
  type ResponseMessage,
  type SessionReadyMessage,
  type StreamChunkMessage,
  type TokenExpiringMessage,
  type Usage,
} from '@fabstir/protocol'
import { ConnectionError } from '../errors/connection.js'
import { HostError } from '../errors/host.js'
import { SigningError } from '../errors/signing.js'
import { StreamError } from '../errors/stream.js'
import { deadlineSignal, sleep } from '../internal/abort.js'
import { backoffDelayMs, type RetryOptions } from '../internal/backoff.js'
import { redactUrl } from '../internal/url.js'
import { utf8ByteLength } from '../internal/utf8.js'
import { PromptStream, type PromptStreamController } from '../stream/PromptStream.js'
import { type WebSocketConstructor, type WebSocketLike, webSocketOpen } from './webSocket.js'

/**
 * Where a session's connection stands:
 * `connecting` (socket opening) → `open` (socket open, no session yet) → `ready` (after
 * `session_ready`) ⇄ `reconnecting` (socket lost, resuming with backoff) → `closed` (ended,
 * stopped, or reconnecting gave up).
 */
export type SessionState = 'connecting' | 'open' | 'ready' | 'reconnecting' | 'closed'

/** What a session refreshes its token with: gets the current token, returns a new one. */
export type RefreshTokenCallback = (token: string) => Promise<{ token: string; expiresAt: number }>

/**
 * What `session_init` / `session_resume` carry besides the conversation, and the session's
 * authentication. `token` and `tokenExpiresAt` change when the token is refreshed.
 */
export type SessionParameters = {
  chainId: number
  model: string
  token: string
  tokenExpiresAt: number | undefined
  sessionKey: SessionKey | undefined
  hostPublicKey: Hex | undefined
  refreshToken: RefreshTokenCallback | undefined
  allowUnsignedSession: boolean
  /** Gets a token (and keys) for another host when the session moves there. */
  authenticate:
    | ((
        hostUrl: string,
        options: { signal: AbortSignal },
      ) => Promise<
        Partial<
          Pick<
            SessionParameters,
            'token' | 'tokenExpiresAt' | 'sessionKey' | 'hostPublicKey' | 'refreshToken'
          >
        >
      >)
    | undefined
}

/** @internal Settings of a {@link SessionConnection}. */
export type SessionConnectionSettings = RetryOptions & {
  connectTimeoutMs: number
  firstTokenTimeoutMs: number
  interTokenTimeoutMs: number
  maxBufferedParts: number
  maxPipelinedPrompts: number
  /** UTF-8 bytes of text one attempt at a prompt may stream (and a prompt stream may buffer). */
  maxResponseBytes: number
  shouldRetry: (error: unknown) => boolean
  /** How long before the token's known expiry it is refreshed. */
  tokenRefreshMarginMs: number
}

/** @internal What a {@link SessionConnection} reports to its manager. */
export type SessionConnectionEvents = {
  connecting: (detail: { attempt: number }) => void
  ready: (detail: { resumed: boolean; url: string }) => void
  reconnecting: (detail: { attempt: number; delayMs: number; error: unknown }) => void
  closed: (detail: { error: unknown }) => void
  /** A `checkpoint` arrived (verified when the session verifies host signatures). */
  checkpoint: (detail: { checkpoint: CheckpointMessage; verified: boolean }) => void
  /** The token was refreshed. */
  tokenRefreshed: (detail: { expiresAt: number }) => void
  /** Refreshing the token failed; the session goes on. */
  tokenRefreshFailed: (detail: { error: SigningError }) => void
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
  /** UTF-8 bytes of this attempt's text so far (at most `maxResponseBytes`). */
  receivedBytes: number
  /** Connections lost while this prompt was in flight (at most `retryCount`, then it fails). */
  lostConnections: number
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

/** A signature-sized `sig`, to check a message's size before it is signed. */
const placeholderSig = 'A'.repeat(86)

/** Close codes this client uses (4000–4999 is for applications; browsers allow only those and 1000). */
const closeCodes = { normal: 1000, protocolViolation: 4002, timeout: 4008 } as const

const zeroUsage: Usage = { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 }

/**
 * `stream_chunk`s a prompt may get beyond its `max_tokens`: a host streams at most one chunk per
 * token, and one more is tolerated (a detokenizer may flush held-back bytes in a trailing chunk).
 */
const extraChunkAllowance = 1

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
  /** The same hosts' base URLs, as the caller gave them (for `authenticate`). */
  readonly #hostUrls: readonly string[]
  #urlIndex = 0
  /** The host the session's token was issued by. */
  #authenticatedIndex = 0
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
  /** The host key `response`s and `checkpoint`s must be signed with, on this socket; none: unchecked. */
  #verifyKey: Hex | undefined
  /** Signed messages wait here in order while they are signed. */
  #outbox: Promise<void> = Promise.resolve()
  /** Host messages and the socket's close, handled one at a time and in order. */
  readonly #inbox: (() => void | Promise<void>)[] = []
  #draining = false
  #refreshing: Promise<void> | undefined
  #refreshTimer: ReturnType<typeof setTimeout> | undefined

  constructor(init: {
    sessionId: string
    jobId: string
    hostUrls: readonly string[]
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
    this.#hostUrls = init.hostUrls
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
    this.#authenticatedIndex = this.#urlIndex
    if (context !== undefined) this.#history = [...context]
    else this.#history = []
    const ready = await this.#establish(
      context === undefined ? 'init' : 'resume',
      signal,
      undefined,
    )
    this.#setState('ready')
    this.#events.ready({ resumed: context !== undefined, url: this.#hostUrl })
    this.#scheduleRefresh()
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
      maxBufferedBytes: this.#settings.maxResponseBytes,
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
      receivedBytes: 0,
      lostConnections: 0,
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
        if (isFinal(error)) throw error
        lastError = error
        // A reconnect that failed tries the next host: the session resumes there with its history.
        if (lostWith !== undefined) this.#urlIndex = (this.#urlIndex + 1) % this.#urls.length
      }
    }
  }

  /** On a host other than the one that issued the token, gets that host's token and keys first. */
  async #authenticateHere(parameters: SessionParameters, signal: AbortSignal): Promise<void> {
    if (this.#urlIndex === this.#authenticatedIndex || parameters.authenticate === undefined) return
    const hostUrl = this.#hostUrls[this.#urlIndex] as string
    const auth = await parameters.authenticate(hostUrl, { signal })
    this.#parameters = {
      ...parameters,
      ...auth,
      hostPublicKey: auth.hostPublicKey?.toLowerCase() as Hex | undefined,
      tokenExpiresAt: auth.tokenExpiresAt,
      refreshToken: auth.refreshToken,
    }
    this.#authenticatedIndex = this.#urlIndex
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
    if (this.#parameters === undefined) throw new TypeError('session parameters are missing')
    await this.#authenticateHere(this.#parameters, signal)
    const parameters = this.#parameters
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
        ...(parameters.sessionKey === undefined ? {} : { signing: true }),
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
      return await ready
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
    this.#verifyKey = undefined
    // Both go through the inbox: a message that is still being verified is handled before the
    // close that followed it.
    socket.onmessage = (event) =>
      this.#enqueue(() => (socket === this.#socket ? this.#onMessage(event.data) : undefined))
    socket.onclose = (event) =>
      this.#enqueue(() => {
        if (socket !== this.#socket) return
        this.#socket = undefined
        this.#lost(
          this.#fatalError ??
            new ConnectionError('CONNECTION_LOST', 'The connection to the host closed', {
              details: `closed with code ${event.code}`,
              sessionId: this.sessionId,
            }),
        )
      })
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
      const inFlight = pending.sent
      pending.sent = false
      // A cancelled prompt is not asked again: it settles with what was delivered.
      if (pending.cancelled) {
        this.#settleLocally(pending)
        continue
      }
      // The retry budget covers the whole prompt, not each connection: a host that accepts every
      // resume and then drops the connection again cannot keep a prompt pending forever.
      if (inFlight && ++pending.lostConnections > this.#settings.retryCount) {
        this.#remove(pending)
        pending.controller.fail(
          new ConnectionError('CONNECTION_LOST', 'Lost the connection to the host too often', {
            cause: error,
            details: `the connection was lost ${pending.lostConnections} times while the prompt was in flight (retryCount ${this.#settings.retryCount})`,
            sessionId: this.sessionId,
          }),
        )
      }
    }
    try {
      await this.#establish('resume', this.#lifetime.signal, error)
    } catch (failure) {
      if (this.#state === 'closed') return
      const final = isFinal(failure)
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
    clearTimeout(this.#refreshTimer)
    this.#dropSocket(closeCodes.normal)
    this.#lifetime.abort(failure)
    this.#setState('closed')
    this.#events.closed({ error })
  }

  #setState(state: SessionState): void {
    this.#state = state
  }

  // --- sending ----------------------------------------------------------------------------

  /**
   * Sends a client message with the next `message_index`. Without a session key it is sent at
   * once. With one it is signed first; signed messages leave in order, and one whose socket is
   * gone by then is dropped (a reconnect re-sends what matters). Either way a message too large
   * to send, or a socket that is not open, throws here and uses no index.
   */
  #send(body: Outgoing): void {
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
    const options = {
      compression: this.#compression,
      ...(this.#maxMessageBytes === undefined ? {} : { maxMessageBytes: this.#maxMessageBytes }),
    }
    const sessionKey = this.#parameters?.sessionKey
    if (sessionKey === undefined) {
      socket.send(encodeMessage(message, options))
      this.#nextMessageIndex++
      return
    }
    encodeMessage({ ...message, sig: placeholderSig }, { ...options, compression: null })
    this.#nextMessageIndex++
    this.#outbox = this.#outbox
      .then(async () => {
        const signed = await signMessage(message, sessionKey)
        if (socket === this.#socket && socket.readyState === webSocketOpen) {
          socket.send(encodeMessage(signed as ClientMessage, options))
        }
      })
      .catch((error: unknown) => {
        // Signing failed (a destroyed key, say): nothing more can be sent on this socket.
        if (socket === this.#socket) this.#violation(error, undefined, closeCodes.normal)
      })
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
      pending.receivedBytes = 0
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

  /** Queues a host message or close; handles it now when nothing is waiting for verification. */
  #enqueue(task: () => void | Promise<void>): void {
    this.#inbox.push(task)
    if (!this.#draining) void this.#drain()
  }

  async #drain(): Promise<void> {
    this.#draining = true
    try {
      for (let task = this.#inbox.shift(); task !== undefined; task = this.#inbox.shift()) {
        try {
          const result = task()
          if (result !== undefined) await result
        } catch (error) {
          // Never rethrown (that would end the process): the prompt the host is working on fails
          // with it and the connection is treated as broken, as for a protocol violation.
          this.#violation(error, this.#head(), closeCodes.protocolViolation)
        }
      }
    } finally {
      this.#draining = false
    }
  }

  #onMessage(data: unknown): void | Promise<void> {
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
        this.#onReady(message)
        return
      case 'stream_chunk':
        this.#onChunk(message)
        return
      case 'response':
        if (this.#verifyKey === undefined) {
          this.#onResponse(message)
          return
        }
        return this.#verified(message, this.#verifyKey, () => this.#onResponse(message))
      case 'checkpoint':
        if (this.#verifyKey === undefined) {
          this.#events.checkpoint({ checkpoint: message, verified: false })
          return
        }
        return this.#verified(message, this.#verifyKey, () =>
          this.#events.checkpoint({ checkpoint: message, verified: true }),
        )
      case 'token_expiring':
        this.#onTokenExpiring(message)
        return
      case 'error':
        this.#onError(HostError.fromMessage(message))
        return
      case 'session_closed':
        this.#ending?.resolve(message.usage)
        return
      default:
        // pong: nothing to do.
        return
    }
  }

  /**
   * `session_ready` of the handshake in progress: checks the host key against the pinned one and
   * that signing is on when the client asked for it, then settles what this socket verifies.
   */
  #onReady(message: SessionReadyMessage): void {
    const handshake = this.#handshake
    const parameters = this.#parameters
    if (handshake === undefined || parameters === undefined) return
    const hostKey = message.host_public_key.toLowerCase() as Hex
    const pinned = parameters.hostPublicKey
    if (pinned !== undefined && hostKey !== pinned) {
      handshake.reject(
        new SigningError('HOST_KEY_MISMATCH', 'The host is not the one whose key was pinned', {
          details: `session_ready.host_public_key is ${hostKey}, the pinned key is ${pinned}`,
          sessionId: this.sessionId,
        }),
      )
      return
    }
    if (
      parameters.sessionKey !== undefined &&
      !message.signing &&
      !parameters.allowUnsignedSession
    ) {
      handshake.reject(
        new SigningError('SIGNING_REFUSED', 'The host does not sign this session', {
          details: 'session_ready.signing is false; set allowUnsignedSession to accept that',
          sessionId: this.sessionId,
        }),
      )
      return
    }
    // A signed session, or a pinned key, means every response and checkpoint is verified.
    this.#verifyKey = message.signing || pinned !== undefined ? hostKey : undefined
    this.#compression = message.compression
    this.#maxMessageBytes = message.limits.max_message_bytes
    handshake.resolve(message)
  }

  /**
   * Runs `accept` when the host's signature on `message` is valid. Otherwise the prompt it
   * answers fails with `INVALID_SIGNATURE`, its text is not recorded, and the connection is
   * treated as broken (the session resumes with the conversation the client holds).
   */
  async #verified(
    message: ResponseMessage | CheckpointMessage,
    hostKey: Hex,
    accept: () => void,
  ): Promise<void> {
    const socket = this.#socket
    const valid = await verifyMessage(message, hostKey)
    if (socket !== this.#socket || this.#state === 'closed') return
    if (valid) {
      accept()
      return
    }
    const pending = message.type === 'response' ? this.#find(message.request_id) : undefined
    if (message.type === 'response' && pending === undefined) return
    const error = new SigningError(
      'INVALID_SIGNATURE',
      `The host's ${message.type} is not signed by its key`,
      {
        details: message.sig === undefined ? 'sig is missing' : 'sig does not verify',
        sessionId: this.sessionId,
        isRetryable: true,
        ...(pending === undefined ? {} : { requestId: pending.requestId }),
      },
    )
    this.#violation(error, pending, closeCodes.protocolViolation)
  }

  // --- token refresh ----------------------------------------------------------------------

  /** The host warns that the token it holds expires soon: refresh, unless that was done already. */
  #onTokenExpiring(message: TokenExpiringMessage): void {
    const expiresAt = this.#parameters?.tokenExpiresAt
    if (expiresAt !== undefined && expiresAt > message.expires_at) return
    void this.#refresh()
  }

  /** Refreshes the token a little before its known expiry. */
  #scheduleRefresh(): void {
    clearTimeout(this.#refreshTimer)
    this.#refreshTimer = undefined
    const parameters = this.#parameters
    if (parameters?.refreshToken === undefined || parameters.tokenExpiresAt === undefined) return
    const delayMs = Math.min(
      2 ** 31 - 1,
      Math.max(0, parameters.tokenExpiresAt - this.#settings.tokenRefreshMarginMs - this.#now()),
    )
    this.#refreshTimer = setTimeout(() => void this.#refresh(), delayMs)
    ;(this.#refreshTimer as { unref?: () => void }).unref?.()
  }

  /**
   * Calls `refreshToken` (once at a time) and keeps the new token for later `session_resume`s.
   * The socket and any stream in progress are left alone; a failure is reported, not thrown.
   */
  #refresh(): Promise<void> {
    const parameters = this.#parameters
    const refresh = parameters?.refreshToken
    if (parameters === undefined || refresh === undefined) return Promise.resolve()
    this.#refreshing ??= (async () => {
      try {
        const result = await refresh(parameters.token)
        if (
          typeof result?.token !== 'string' ||
          result.token.length === 0 ||
          !Number.isFinite(result.expiresAt)
        ) {
          throw new TypeError('refreshToken must resolve to { token, expiresAt }')
        }
        if (this.#state === 'closed') return
        parameters.token = result.token
        parameters.tokenExpiresAt = result.expiresAt
        this.#events.tokenRefreshed({ expiresAt: result.expiresAt })
        this.#scheduleRefresh()
      } catch (error) {
        if (this.#state === 'closed') return
        this.#events.tokenRefreshFailed({
          error: new SigningError('TOKEN_REFRESH_FAILED', 'Refreshing the session token failed', {
            cause: error,
            sessionId: this.sessionId,
            isRetryable: (error as { isRetryable?: unknown } | null)?.isRetryable === true,
          }),
        })
      } finally {
        this.#refreshing = undefined
      }
    })()
    return this.#refreshing
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
    const maxTokens = pending.maxTokens
    if (maxTokens !== undefined && message.seq >= maxTokens + extraChunkAllowance) {
      const error = new StreamError(
        'RESPONSE_TOO_LARGE',
        'The host sent more stream chunks than the prompt’s maxTokens allows',
        {
          details: `seq ${message.seq} with max_tokens ${maxTokens} (at most ${maxTokens + extraChunkAllowance} chunks)`,
          sessionId: this.sessionId,
          requestId: pending.requestId,
        },
      )
      this.#violation(error, pending, closeCodes.protocolViolation)
      return
    }
    pending.expectedSeq++
    if (this.#deliver(pending, message.content, message.tokens)) this.#armTimer()
  }

  /**
   * Hands an attempt's new text to the consumer. After a reconnect the prompt is asked again and
   * the host regenerates from the start: text that re-produces what was already delivered is
   * swallowed, text beyond it is delivered, and text that contradicts it fails the stream with
   * `RESUME_DIVERGED` (the prompt is cancelled on the host). An attempt whose text exceeds
   * `maxResponseBytes` fails the prompt with `RESPONSE_TOO_LARGE` and breaks the connection.
   *
   * @returns false when the prompt failed as a protocol violation (nothing more to do for it).
   */
  #deliver(pending: Pending, text: string, tokens: number): boolean {
    pending.receivedLength += text.length
    pending.receivedBytes += utf8ByteLength(text)
    const maxBytes = this.#settings.maxResponseBytes
    if (pending.receivedBytes > maxBytes) {
      const error = new StreamError(
        'RESPONSE_TOO_LARGE',
        `The host's answer exceeded maxResponseBytes (${maxBytes} bytes)`,
        {
          details: `${pending.receivedBytes} bytes of text received for the prompt`,
          sessionId: this.sessionId,
          requestId: pending.requestId,
        },
      )
      this.#violation(error, pending, closeCodes.protocolViolation)
      return false
    }
    if (pending.diverged) return true
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
        return true
      }
      pending.replayedLength += expected.length
      fresh = fresh.slice(expected.length)
      if (fresh === '') return true
    }
    pending.delivered += fresh
    pending.replayedLength = pending.delivered.length
    pending.controller.push({ type: 'text-delta', text: fresh, tokens })
    return true
  }

  #onResponse(message: ResponseMessage): void {
    const pending = this.#find(message.request_id)
    if (pending === undefined) return
    // Text the chunks did not carry (a host that does not stream) is delivered now.
    if (
      message.content.length > pending.receivedLength &&
      !this.#deliver(pending, message.content.slice(pending.receivedLength), 0)
    ) {
      return
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

/** An error after which the session does not try again: the host refused, or the host is not the pinned one. */
function isFinal(error: unknown): boolean {
  return (HostError.isInstance(error) || SigningError.isInstance(error)) && !error.isRetryable
}

function retryAfterOf(error: unknown): number | undefined {
  return HostError.isInstance(error) ? error.retryAfterMs : undefined
}
