import type { SessionKey } from '@fabstir/auth'
import type { AbortOptions, ChatMessage, CheckpointMessage, Hex, Usage } from '@fabstir/protocol'
import { SessionError } from './errors/session.js'
import type { SigningError } from './errors/signing.js'
import { deadlineSignal, throwIfAborted } from './internal/abort.js'
import { ResponseCache, responseCacheKey } from './internal/ResponseCache.js'
import { sessionUrl } from './internal/url.js'
import {
  SessionConnection as Connection,
  type RefreshTokenCallback,
  type SessionConnectionSettings,
  type SessionState,
} from './session/SessionConnection.js'
import type { WebSocketConstructor } from './session/webSocket.js'
import { PromptStream } from './stream/PromptStream.js'
import { TypedEventTarget } from './TypedEventTarget.js'

/** Settings of an {@link InferenceManager}; every one has a default. */
export type InferenceManagerOptions = {
  /** How long opening a socket, or waiting for `session_ready`, may take. @default 10_000 */
  connectTimeoutMs?: number
  /** How long the host may take to send the first token of a prompt it is working on. @default 60_000 */
  firstTokenTimeoutMs?: number
  /** How long the host may pause between tokens (and before the final response). @default 30_000 */
  interTokenTimeoutMs?: number
  /**
   * Retries of a failed connect, of a lost connection (reconnects) and of a `RATE_LIMITED` prompt.
   * A prompt's budget covers its whole life: once the connection was lost more than `retryCount`
   * times while it was in flight (each resume succeeding or not), it fails with `ConnectionError`
   * `CONNECTION_LOST`. @default 3
   */
  retryCount?: number
  /** Base of the exponential backoff (with jitter) between retries. @default 250 */
  retryDelayMs?: number
  /** Longest backoff between retries. @default 8_000 */
  maxRetryDelayMs?: number
  /** Longest wait a host's `retry_after_ms` may impose. @default 30_000 */
  maxRetryAfterMs?: number
  /** Whether a failure is worth retrying. @default the error's `isRetryable`, true when absent */
  shouldRetry?: (error: unknown) => boolean
  /** Parts a prompt stream holds for a slow consumer before merging text deltas. @default 256 */
  maxBufferedParts?: number
  /** Prompts of a session sent to the host before earlier ones are answered. @default 4 */
  maxPipelinedPrompts?: number
  /**
   * UTF-8 bytes of answer text one prompt may get from a host (per attempt; a prompt stream
   * buffers at most as much for a slow consumer). More fails the prompt with `StreamError`
   * `RESPONSE_TOO_LARGE` and breaks the connection, as stream chunks beyond the prompt's
   * `maxTokens` (plus one) do. @default 4_194_304 (4 MiB)
   */
  maxResponseBytes?: number
  /**
   * Local cache of deterministic answers (`temperature: 0`, same model, conversation, prompt and
   * `maxTokens`), keyed by the SHA-256 of their canonical JSON. A hit is answered without the
   * host and is not added to the conversation (the host never saw it). @default false
   */
  cache?: boolean | { maxEntries?: number }
  /**
   * How long before a token's known expiry (`tokenExpiresAt`) a session calls its `refreshToken`.
   * The host's `token_expiring` (60 s before) triggers a refresh too. @default 90_000
   */
  tokenRefreshMarginMs?: number
}

/** Dependencies an {@link InferenceManager} runs on, injected for Node, browsers and tests. */
export type InferenceManagerComponents = {
  /**
   * The WebSocket constructor. In Node 20 pass `webSocket` from `@fabstir/inference/node`.
   * @default globalThis.WebSocket
   */
  webSocket?: WebSocketConstructor
  /** Clock for message timestamps (`ts`). @default Date.now */
  now?: () => number
}

/** What `new InferenceManager(init)` takes: options and components in one object. */
export type InferenceManagerInit = InferenceManagerOptions & InferenceManagerComponents

/** Events of an {@link InferenceManager}: its sessions' connection state changes. */
export type InferenceManagerEvents = {
  /** A socket is being opened (`attempt` 0 first, then the reconnect attempt). */
  connecting: CustomEvent<{ sessionId: string; attempt: number }>
  /** `session_ready` arrived: the session takes prompts. */
  ready: CustomEvent<{ sessionId: string; resumed: boolean; url: string }>
  /** The connection broke; the next attempt follows after `delayMs`. */
  reconnecting: CustomEvent<{ sessionId: string; attempt: number; delayMs: number; error: unknown }>
  /** The session ended (`error` undefined) or gave up reconnecting (`error` says why). */
  closed: CustomEvent<{ sessionId: string; error: unknown }>
  /**
   * The host submitted a proof of work on chain. `verified` is true when its signature was checked
   * against the host key (signed sessions, or a pinned `hostPublicKey`); a checkpoint whose
   * signature fails there is never emitted.
   */
  checkpoint: CustomEvent<{ sessionId: string; checkpoint: CheckpointMessage; verified: boolean }>
  /** The session's token was refreshed; later `session_resume`s carry the new one. */
  'token-refreshed': CustomEvent<{ sessionId: string; expiresAt: number }>
  /** `refreshToken` failed (`SigningError` `TOKEN_REFRESH_FAILED`, with the `cause`); the session goes on. */
  'token-refresh-failed': CustomEvent<{ sessionId: string; error: SigningError }>
}

/** Options of {@link InferenceManager.connectToSession}. */
export type ConnectToSessionOptions = AbortOptions & {
  /**
   * Hosts to move to when the session's host cannot be reached again after a lost connection:
   * the session resumes there with the conversation the client holds (`session_resume`), and a
   * prompt in flight continues. Each failed reconnect attempt tries the next host in turn.
   * @default []
   */
  fallbackHostUrls?: readonly string[]
  /**
   * The last `message_index` this session sent before, when another client (or an earlier run of
   * this one) started it: the host rejects an index that does not grow. Keep it with the
   * conversation. @default 0
   */
  lastMessageIndex?: number
}

/**
 * A session's authentication (PROTOCOL.md §3, §5), kept for its automatic resumes. Typically from
 * `authenticateSession` of `@fabstir/auth`: `{ token, tokenExpiresAt: expiresAt, sessionKey,
 * hostPublicKey }`.
 */
export type SessionAuthOptions = {
  /**
   * The session JWT. Hosts in development mode accept any non-empty token.
   * @default 'development'
   */
  token?: string
  /**
   * The session key bound in the token (`cnf`). With it the session asks for `signing: true` and
   * signs every client message, `session_init`/`session_resume` included. Without it nothing is
   * signed. @default none
   */
  sessionKey?: SessionKey
  /**
   * The host's Ed25519 identity key, pinned (from `authenticateSession` or the registry):
   * `session_ready.host_public_key` must equal it (else `HOST_KEY_MISMATCH`), and every `response`
   * and `checkpoint` must be signed by it. Without it a signed session verifies against
   * `session_ready.host_public_key`. @default none
   */
  hostPublicKey?: Hex
  /**
   * Gets a fresh token (it receives the current one), e.g.
   * `(token) => refreshToken({ hostUrl, token })`. Called on `token_expiring` and
   * `tokenRefreshMarginMs` before `tokenExpiresAt`. @default none: tokens are not refreshed
   */
  refreshToken?: RefreshTokenCallback
  /** When `token` expires, in milliseconds since the epoch. @default unknown */
  tokenExpiresAt?: number
  /**
   * Authenticates with a fallback host (`connectToSession`'s `fallbackHostUrls`) when the session
   * moves there: each host issues its own token and signs with its own key, so the session's
   * token, session key, pinned key and refresh are replaced by what this returns (typically
   * `authenticateSession({ hostUrl, ... })`). Without it the session's own token is sent as is,
   * which only a development host accepts. @default none
   */
  authenticate?: (hostUrl: string, options: { signal: AbortSignal }) => Promise<HostAuthentication>
  /**
   * Accept a host that answers `signing: false` although a `sessionKey` was given (its answers are
   * then not verified unless `hostPublicKey` is pinned). @default false: `SIGNING_REFUSED`
   */
  allowUnsignedSession?: boolean
}

/** What a session needs to authenticate with one host; see `SessionAuthOptions.authenticate`. */
export type HostAuthentication = Pick<
  SessionAuthOptions,
  'token' | 'tokenExpiresAt' | 'sessionKey' | 'hostPublicKey' | 'refreshToken'
>

/** Options of {@link InferenceManager.initializeSession} and {@link InferenceManager.resumeSession}. */
export type InitializeSessionOptions = AbortOptions &
  SessionAuthOptions & {
    /** The chain the session job lives on. */
    chainId: number
    /** The model, as the host names it (`"repo/file"`). */
    model: string
  }

/** Options of {@link InferenceManager.sendPrompt}. */
export type SendPromptOptions = AbortOptions & {
  /** Most tokens to generate. */
  maxTokens?: number
  /** Sampling temperature, 0–2; 0 makes the prompt cacheable. */
  temperature?: number
  /** Request id to send; unique within the session. @default generated */
  requestId?: string
}

/** A prompt of {@link InferenceManager.sendPrompts}: its text, or its text and options. */
export type PipelinedPrompt = string | ({ content: string } & SendPromptOptions)

/** What {@link InferenceManager.endSession} resolves to. */
export type EndSessionReturnType = {
  /** The session's usage from `session_closed`; undefined when the host was not reachable. */
  usage: Usage | undefined
}

/**
 * Client of `fabstir/1` sessions: one WebSocket per session to a host, prompts streamed as
 * {@link PromptStream}s, pipelining, cancel, and reconnects that resume the conversation.
 *
 * The connection state of every session is reported as events (`connecting`, `ready`,
 * `reconnecting`, `closed`). The manager keeps each conversation (every prompt and every final
 * response), so a lost connection is resumed with `session_resume` and the prompt that was in
 * flight is asked again; see the README for the no-loss policy.
 *
 * @example
 * ```ts
 * import { InferenceManager } from '@fabstir/inference'
 * import { webSocket } from '@fabstir/inference/node'
 *
 * const manager = new InferenceManager({ webSocket })
 * await manager.connectToSession('1', 'http://127.0.0.1:8080', '1')
 * await manager.initializeSession('1', { chainId: 84532, model: 'repo/model.gguf' })
 * const stream = manager.sendPrompt('1', 'Hello')
 * for await (const part of stream) process.stdout.write(part.text)
 * console.log((await stream.result).usage)
 * await manager.endSession('1')
 * ```
 */
export class InferenceManager extends TypedEventTarget<InferenceManagerEvents> {
  readonly #sessions = new Map<string, Connection>()
  readonly #settings: SessionConnectionSettings
  readonly #webSocket: WebSocketConstructor | undefined
  readonly #now: () => number
  readonly #cache: ResponseCache | undefined

  /**
   * @param init - options (each documented with its default) and injected components.
   * @throws {RangeError} when a numeric option is negative or not finite.
   */
  constructor({
    connectTimeoutMs = 10_000,
    firstTokenTimeoutMs = 60_000,
    interTokenTimeoutMs = 30_000,
    retryCount = 3,
    retryDelayMs = 250,
    maxRetryDelayMs = 8_000,
    maxRetryAfterMs = 30_000,
    shouldRetry = defaultShouldRetry,
    maxBufferedParts = 256,
    maxPipelinedPrompts = 4,
    maxResponseBytes = 4 * 1024 * 1024,
    cache = false,
    tokenRefreshMarginMs = 90_000,
    webSocket = (globalThis as { WebSocket?: unknown }).WebSocket as
      | WebSocketConstructor
      | undefined,
    now = Date.now,
  }: InferenceManagerInit = {}) {
    super()
    const numbers = {
      connectTimeoutMs,
      firstTokenTimeoutMs,
      interTokenTimeoutMs,
      retryCount,
      retryDelayMs,
      maxRetryDelayMs,
      maxRetryAfterMs,
      tokenRefreshMarginMs,
    }
    for (const [name, value] of Object.entries(numbers)) {
      if (!Number.isFinite(value) || value < 0) {
        throw new RangeError(`${name} must be a finite number ≥ 0`)
      }
    }
    if (!Number.isInteger(maxBufferedParts) || maxBufferedParts < 1) {
      throw new RangeError('maxBufferedParts must be an integer ≥ 1')
    }
    if (!Number.isInteger(maxPipelinedPrompts) || maxPipelinedPrompts < 1) {
      throw new RangeError('maxPipelinedPrompts must be an integer ≥ 1')
    }
    if (!Number.isSafeInteger(maxResponseBytes) || maxResponseBytes < 1) {
      throw new RangeError('maxResponseBytes must be an integer ≥ 1')
    }
    this.#settings = {
      ...numbers,
      shouldRetry,
      maxBufferedParts,
      maxPipelinedPrompts,
      maxResponseBytes,
    }
    this.#webSocket = webSocket
    this.#now = now
    this.#cache =
      cache === false
        ? undefined
        : new ResponseCache(cache === true ? 100 : (cache.maxEntries ?? 100))
  }

  /**
   * Opens the WebSocket of a session to `{hostUrl with ws(s) scheme}/v1/session`. Follow with
   * {@link InferenceManager.initializeSession} (new conversation) or
   * {@link InferenceManager.resumeSession}.
   *
   * @param sessionId - the session's decimal on-chain job id, as the wire's `session_id`.
   * @param hostUrl - the host's http(s) base URL (its `apiUrl`).
   * @param jobId - the decimal on-chain job id (`job_id`).
   * @param conversationContext - a conversation to continue; {@link InferenceManager.resumeSession}
   *   sends it when called without one.
   * @param options - `fallbackHostUrls` to resume on when the host is lost, `signal` and `timeoutMs`
   *   for the whole call (retries included).
   * @throws {TypeError} when `hostUrl` is not an http(s)/ws(s) URL or no WebSocket is available.
   * @throws {SessionError} `SESSION_EXISTS` when the session is already connected.
   * @throws {ConnectionError} `CONNECT_TIMEOUT` / `CONNECT_FAILED` once the retries are spent.
   * @example
   * ```ts
   * await manager.connectToSession('1', 'https://host.example', '1')
   * ```
   */
  async connectToSession(
    sessionId: string,
    hostUrl: string,
    jobId: string,
    conversationContext?: readonly ChatMessage[],
    options: ConnectToSessionOptions = {},
  ): Promise<void> {
    const hostUrls = [hostUrl, ...(options.fallbackHostUrls ?? [])]
    const urls = hostUrls.map(sessionUrl)
    const { lastMessageIndex = 0 } = options
    if (!Number.isSafeInteger(lastMessageIndex) || lastMessageIndex < 0) {
      throw new RangeError('lastMessageIndex must be an integer ≥ 0')
    }
    const webSocket = this.#webSocket
    if (webSocket === undefined) {
      throw new TypeError(
        'No WebSocket: pass `webSocket` (in Node 20: import { webSocket } from "@fabstir/inference/node")',
      )
    }
    const existing = this.#sessions.get(sessionId)
    if (existing !== undefined && existing.state !== 'closed') {
      throw new SessionError('SESSION_EXISTS', 'The session is already connected', { sessionId })
    }
    throwIfAborted(options.signal)
    const connection = new Connection({
      sessionId,
      jobId,
      hostUrls,
      urls,
      history: conversationContext ?? [],
      lastMessageIndex,
      settings: this.#settings,
      webSocket,
      now: this.#now,
      events: {
        connecting: (detail) => this.emit('connecting', { sessionId, ...detail }),
        ready: (detail) => this.emit('ready', { sessionId, ...detail }),
        reconnecting: (detail) => this.emit('reconnecting', { sessionId, ...detail }),
        closed: (detail) => this.emit('closed', { sessionId, ...detail }),
        checkpoint: (detail) => this.emit('checkpoint', { sessionId, ...detail }),
        tokenRefreshed: (detail) => this.emit('token-refreshed', { sessionId, ...detail }),
        tokenRefreshFailed: (detail) => this.emit('token-refresh-failed', { sessionId, ...detail }),
        answered: ({ context, prompt, response }) => {
          if (this.#cache === undefined || prompt.temperature !== 0) return
          if (response.finish_reason !== 'stop' && response.finish_reason !== 'length') return
          const model = connection.model
          if (model === undefined) return
          this.#cache.set(responseCacheKey({ model, context, prompt }), {
            content: response.content,
            finishReason: response.finish_reason,
            usage: response.usage,
          })
        },
      },
    })
    this.#sessions.set(sessionId, connection)
    const deadline = deadlineSignal(options.signal, options.timeoutMs)
    try {
      await connection.open(deadline.signal)
    } catch (error) {
      connection.stop(error)
      throw error
    } finally {
      deadline.dispose()
    }
  }

  /**
   * Starts a new, empty conversation: sends `session_init` (token, job id, chain id, model, and the
   * compression offer `['gzip', 'deflate-raw']`) and waits for `session_ready`.
   *
   * With a `sessionKey` it asks for `signing: true`, signs every message (this one included) and
   * verifies every `response` and `checkpoint`; the authentication options are kept for the
   * session's automatic resumes (see the README's signing policy).
   *
   * @param sessionId - a session opened with {@link InferenceManager.connectToSession}.
   * @param options - chain id, model, the authentication ({@link SessionAuthOptions}), `signal`,
   *   `timeoutMs`.
   * @throws {TypeError} / {RangeError} for a malformed token, key or expiry.
   * @throws {SessionError} `SESSION_UNKNOWN` for a session not connected.
   * @throws {HostError} when the host refuses (e.g. `AUTH_FAILED`, `MODEL_UNAVAILABLE`).
   * @throws {SigningError} `HOST_KEY_MISMATCH` (not the pinned host) or `SIGNING_REFUSED`.
   * @throws {ConnectionError} when the connection fails and the retries are spent.
   * @example
   * ```ts
   * import { authenticateSession, refreshToken } from '@fabstir/auth'
   *
   * const auth = await authenticateSession({ hostUrl, jobId: '1', chainId: 84532, account })
   * await manager.initializeSession('1', {
   *   chainId: 84532,
   *   model: 'repo/model.gguf',
   *   token: auth.token,
   *   tokenExpiresAt: auth.expiresAt,
   *   sessionKey: auth.sessionKey,
   *   hostPublicKey: auth.hostPublicKey,
   *   refreshToken: (token) => refreshToken({ hostUrl, token }),
   * })
   * ```
   */
  initializeSession(sessionId: string, options: InitializeSessionOptions): Promise<void> {
    return this.#start(sessionId, undefined, options)
  }

  /**
   * Continues a conversation on this socket: sends `session_resume` with the whole
   * `conversationContext` (the host rebuilds its cache from it) and waits for `session_ready`.
   *
   * @param sessionId - a session opened with {@link InferenceManager.connectToSession}.
   * @param conversationContext - the conversation so far.
   * @param options - chain id, model, the authentication, `signal`, `timeoutMs`.
   * @throws {SessionError}, {HostError}, {SigningError}, {ConnectionError} as
   *   {@link InferenceManager.initializeSession}.
   * @example
   * ```ts
   * await manager.resumeSession('1', history, { chainId: 84532, model: 'repo/model.gguf' })
   * ```
   */
  async resumeSession(
    sessionId: string,
    conversationContext: readonly ChatMessage[],
    options: InitializeSessionOptions,
  ): Promise<void> {
    return this.#start(sessionId, conversationContext, options)
  }

  /** `session_init` (without a context) or `session_resume`, under the call's deadline. */
  async #start(
    sessionId: string,
    conversationContext: readonly ChatMessage[] | undefined,
    {
      signal,
      timeoutMs,
      chainId,
      model,
      token = 'development',
      sessionKey,
      hostPublicKey,
      refreshToken,
      tokenExpiresAt,
      allowUnsignedSession = false,
      authenticate,
    }: InitializeSessionOptions,
  ): Promise<void> {
    const connection = this.#session(sessionId)
    if (typeof token !== 'string' || token.length === 0) {
      throw new TypeError('token must be a non-empty string')
    }
    if (
      sessionKey !== undefined &&
      (typeof sessionKey?.publicKey !== 'string' || !(sessionKey.privateKey instanceof Uint8Array))
    ) {
      throw new TypeError('sessionKey must be a SessionKey of @fabstir/auth')
    }
    if (hostPublicKey !== undefined && !/^0x[0-9a-fA-F]{64}$/.test(hostPublicKey)) {
      throw new TypeError('hostPublicKey must be 0x and 64 hex digits')
    }
    if (refreshToken !== undefined && typeof refreshToken !== 'function') {
      throw new TypeError('refreshToken must be a function')
    }
    if (tokenExpiresAt !== undefined && !Number.isFinite(tokenExpiresAt)) {
      throw new RangeError('tokenExpiresAt must be milliseconds since the epoch')
    }
    if (authenticate !== undefined && typeof authenticate !== 'function') {
      throw new TypeError('authenticate must be a function')
    }
    const parameters = {
      chainId,
      model,
      token,
      tokenExpiresAt,
      sessionKey,
      hostPublicKey: hostPublicKey?.toLowerCase() as Hex | undefined,
      refreshToken,
      allowUnsignedSession,
      authenticate,
    }
    const deadline = deadlineSignal(signal, timeoutMs)
    try {
      await connection.start(parameters, conversationContext, deadline.signal)
    } finally {
      deadline.dispose()
    }
  }

  /**
   * Sends a prompt (only the new user text; the host holds the context) and streams the answer.
   * Prompts of a session are answered in the order they were sent.
   *
   * @param sessionId - an initialized session.
   * @param prompt - the user's text.
   * @param options - `maxTokens`, `temperature`, `requestId`, `signal`, `timeoutMs` (whole answer).
   * @returns a {@link PromptStream}: iterate it for `text-delta` parts, await `.result`.
   * @throws {TypeError} / {RangeError} for a malformed prompt or option.
   * @throws {SessionError} `SESSION_UNKNOWN`, or `SESSION_STATE` before the session is initialized.
   * @example
   * ```ts
   * const stream = manager.sendPrompt('1', 'Hello', { maxTokens: 200 })
   * for await (const part of stream) process.stdout.write(part.text)
   * ```
   */
  sendPrompt(sessionId: string, prompt: string, options: SendPromptOptions = {}): PromptStream {
    const connection = this.#session(sessionId)
    if (connection.state !== 'ready' && connection.state !== 'reconnecting') {
      throw new SessionError('SESSION_STATE', 'The session takes prompts once it is initialized', {
        sessionId,
        details: `state ${connection.state}`,
      })
    }
    validatePrompt(prompt, options)
    const { signal, timeoutMs, maxTokens, temperature, requestId } = options
    const outgoing = {
      content: prompt,
      ...(maxTokens === undefined ? {} : { maxTokens }),
      ...(temperature === undefined ? {} : { temperature }),
    }
    const model = connection.model
    if (
      this.#cache !== undefined &&
      temperature === 0 &&
      model !== undefined &&
      connection.pendingCount === 0
    ) {
      const hit = this.#cache.get(
        responseCacheKey({ model, context: connection.history, prompt: outgoing }),
      )
      if (hit !== undefined) {
        return PromptStream.fromResult(
          {
            requestId: requestId ?? `cached-${this.#now().toString(36)}`,
            ...hit,
            transcriptHead: null,
            context: null,
            cached: true,
          },
          hit.usage.completion_tokens,
        )
      }
    }
    const stream = connection.prompt({
      ...outgoing,
      ...(requestId === undefined ? {} : { requestId }),
    })
    if (signal !== undefined || timeoutMs !== undefined) {
      const deadline = deadlineSignal(signal, timeoutMs)
      const onAbort = () => connection.abort(stream, deadline.signal.reason)
      if (deadline.signal.aborted) onAbort()
      else deadline.signal.addEventListener('abort', onAbort, { once: true })
      const release = () => {
        deadline.signal.removeEventListener('abort', onAbort)
        deadline.dispose()
      }
      stream.result.then(release, release)
    }
    return stream
  }

  /**
   * Pipelines several prompts: all are queued at once and sent without waiting for earlier
   * answers (up to `maxPipelinedPrompts` at a time); the host answers them in order.
   *
   * @param sessionId - an initialized session.
   * @param prompts - texts, or texts with their options.
   * @returns one {@link PromptStream} per prompt, in the same order.
   * @throws as {@link InferenceManager.sendPrompt}, before any prompt is queued.
   * @example
   * ```ts
   * const [first, second] = manager.sendPrompts('1', ['Hi', 'And then?'])
   * console.log((await first.result).content, (await second.result).content)
   * ```
   */
  sendPrompts(sessionId: string, prompts: readonly PipelinedPrompt[]): PromptStream[] {
    if (!Array.isArray(prompts)) throw new TypeError('prompts must be an array')
    const normalized = prompts.map((prompt) =>
      typeof prompt === 'string' ? { content: prompt } : prompt,
    )
    for (const { content, ...options } of normalized) validatePrompt(content, options)
    return normalized.map(({ content, ...options }) => this.sendPrompt(sessionId, content, options))
  }

  /**
   * Ends a session: sends `session_end`, waits for `session_closed` and closes the socket.
   * Prompts still pending fail with `StreamError` `STREAM_CLOSED`.
   *
   * @param sessionId - the session.
   * @param options - `signal` and `timeoutMs` (default: `connectTimeoutMs`) for the goodbye.
   * @returns the session's usage from `session_closed`.
   * @throws {SessionError} `SESSION_UNKNOWN` for a session never connected.
   * @example
   * ```ts
   * const { usage } = await manager.endSession('1')
   * ```
   */
  async endSession(sessionId: string, options: AbortOptions = {}): Promise<EndSessionReturnType> {
    const connection = this.#session(sessionId)
    const deadline = deadlineSignal(
      options.signal,
      options.timeoutMs ?? this.#settings.connectTimeoutMs,
    )
    try {
      const usage = await connection.end(deadline.signal)
      return { usage }
    } catch (error) {
      connection.stop(error)
      throw error
    } finally {
      deadline.dispose()
      this.#sessions.delete(sessionId)
    }
  }

  /**
   * The connection state of a session.
   *
   * @param sessionId - the session.
   * @returns its state, or `undefined` for a session not known here.
   */
  getSessionState(sessionId: string): SessionState | undefined {
    return this.#sessions.get(sessionId)?.state
  }

  /**
   * The conversation the manager holds for a session: every prompt and every final response, the
   * history `session_resume` sends. Store it (e.g. in S5) to continue on another host.
   *
   * @param sessionId - the session.
   * @throws {SessionError} `SESSION_UNKNOWN`.
   */
  getConversation(sessionId: string): ChatMessage[] {
    return this.#session(sessionId).history.map((message) => ({ ...message }))
  }

  /**
   * The `message_index` the session's next client message will carry (starts at 1, +1 per
   * message, across reconnects).
   *
   * @param sessionId - the session.
   * @throws {SessionError} `SESSION_UNKNOWN`.
   */
  getNextMessageIndex(sessionId: string): number {
    return this.#session(sessionId).nextMessageIndex
  }

  /**
   * Closes every session's socket without `session_end`; pending prompts fail with
   * `StreamError` `STREAM_CLOSED`. The manager can be used again afterwards.
   */
  async stop(): Promise<void> {
    for (const connection of this.#sessions.values()) connection.stop(undefined)
    this.#sessions.clear()
  }

  /** Same as {@link InferenceManager.stop}, for `await using`. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop()
  }

  #session(sessionId: string): Connection {
    const connection = this.#sessions.get(sessionId)
    if (connection === undefined) {
      throw new SessionError('SESSION_UNKNOWN', 'No such session: connect to it first', {
        sessionId,
      })
    }
    return connection
  }
}

function defaultShouldRetry(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return true
  return (error as { isRetryable?: unknown }).isRetryable !== false
}

function validatePrompt(prompt: unknown, options: SendPromptOptions): void {
  if (typeof prompt !== 'string') throw new TypeError('prompt must be a string')
  const { maxTokens, temperature } = options
  if (maxTokens !== undefined && (!Number.isSafeInteger(maxTokens) || maxTokens < 1)) {
    throw new RangeError('maxTokens must be a positive integer')
  }
  if (
    temperature !== undefined &&
    (typeof temperature !== 'number' || !(temperature >= 0 && temperature <= 2))
  ) {
    throw new RangeError('temperature must be between 0 and 2')
  }
}
