import { verifyMessage } from '@fabstir/auth'
import { requirePermission, type SessionTokenClaims } from '@fabstir/auth/host'
import {
  type ClientMessage,
  type CompressionName,
  decodeClientMessage,
  encodeMessage,
  type Hex,
  type HostMessage,
  negotiateCompression,
  type PromptMessage,
  ProtocolError,
  type SessionInitMessage,
  type SessionResumeMessage,
} from '@fabstir/protocol'
import { type RawData, WebSocket } from 'ws'
import type { HostContext } from '../internal/HostContext.js'
import { asRejection, invalidSignature, rejection } from './rejection.js'
import { runPrompt } from './runPrompt.js'
import type { Session } from './Session.js'
import { startSession } from './startSession.js'

/** WebSocket close codes the host uses. */
const closeCodes = {
  normal: 1000,
  policy: 1008,
  internal: 1011,
  /** Application code: another socket resumed the session. */
  replaced: 4000,
} as const

type PendingPrompt = { prompt: PromptMessage; controller: AbortController }

/** How long before the token's `exp` the host sends `token_expiring` (PROTOCOL.md §3.4). */
const tokenExpiringNoticeMs = 60_000

/**
 * @internal Serves one WebSocket of `/v1/session` (PROTOCOL.md §4): decodes every frame, opens or
 * resumes a session, runs its prompts one at a time from a bounded queue, and answers every
 * malformed or refused message with an `error` (closing the socket after a fatal one).
 *
 * The first message must be `session_init` or `session_resume`; anything else before it gets
 * `SESSION_NOT_FOUND` (not fatal, so the client may still open the session). Once a session with
 * signing is open, every message must carry a valid `sig` by the token's session key
 * (`INVALID_SIGNATURE`, fatal); `prompt` needs the `inference` permission (`PERMISSION_DENIED`).
 * `token_expiring` is sent 60 s before the token's `exp`; the socket is not cut when it expires.
 * A socket that has not opened a session within `firstMessageTimeoutMs` gets a fatal
 * `BAD_MESSAGE` and is closed (1008). Keep-alive (PROTOCOL.md §1, revision 2): after
 * `pingIntervalMs` without a frame from the client the host pings, and a socket silent (no
 * message, no pong) for `pongTimeoutMs` is cut; its session stays resumable.
 */
export function handleSocket(context: HostContext, socket: WebSocket): void {
  const connection = new SessionSocket(context, socket)
  const stopKeepAlive = keepAlive(context, socket)
  socket.on('message', (data, isBinary) => connection.receive(data, isBinary))
  socket.on('close', () => {
    stopKeepAlive()
    connection.release('socket closed')
  })
  // ws closes the socket itself after a protocol error; the listener keeps the error from throwing.
  socket.on('error', (error) => context.logger.debug('socket error', { error: error.message }))
  // ws closes the socket (1009) as soon as a frame's header announces more than maxPayload and only
  // then emits 'error' on it; its receiver's own 'error' comes first, the last moment to answer.
  const receiver = (socket as unknown as { _receiver?: NodeJS.EventEmitter })._receiver
  receiver?.prependListener('error', (error: { code?: unknown }) => {
    if (error.code !== 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') return
    const tooLarge = new ProtocolError('MESSAGE_TOO_LARGE', 'Message exceeds the size limit', {
      details: `more than ${context.limits.maxMessageBytes} bytes`,
    })
    void connection.send(tooLarge.toErrorMessage({ fatal: true }))
  })
}

class SessionSocket {
  readonly #context: HostContext
  readonly #socket: WebSocket
  #session: Session | undefined
  #compression: CompressionName | null = null
  #queue: PendingPrompt[] = []
  #running: PendingPrompt | undefined
  #ending = false
  /** The token's claims, once a session is open on a host with authentication. */
  #claims: SessionTokenClaims | undefined
  /** The session key that must sign every message, once signing is negotiated. */
  #signingKey: Hex | undefined
  #expiryTimer: NodeJS.Timeout | undefined
  /** Closes the socket if no session is open in time; cleared once one is. */
  #firstMessageTimer: NodeJS.Timeout | undefined
  // Frames are handled one after another, also while a session start awaits the tokenizer.
  #inbox: Promise<void> = Promise.resolve()

  constructor(context: HostContext, socket: WebSocket) {
    this.#context = context
    this.#socket = socket
    const { firstMessageTimeoutMs } = context.limits
    this.#firstMessageTimer = setTimeout(() => {
      this.#firstMessageTimer = undefined
      if (this.#session !== undefined) return
      const late = new ProtocolError('BAD_MESSAGE', 'No session was opened in time', {
        details: `send session_init or session_resume within ${firstMessageTimeoutMs} ms`,
      })
      this.#reply(late, true)
    }, firstMessageTimeoutMs)
    this.#firstMessageTimer.unref()
  }

  receive(data: RawData, isBinary: boolean): void {
    this.#inbox = this.#inbox
      .then(() => this.#handleFrame(data, isBinary))
      .catch((error: unknown) => this.#reply(error, true))
      // The inbox must never hold a rejection: it would reach the process as unhandled.
      .catch((error: unknown) => {
        this.#context.logger.error('cannot answer a failed message', { error: String(error) })
        this.#socket.terminate()
      })
  }

  /** Sends a message; resolves at once unless the socket's buffer is past its bound. */
  send(message: HostMessage): Promise<void> {
    if (this.#socket.readyState !== WebSocket.OPEN) return Promise.resolve()
    const { maxMessageBytes, maxBufferedBytes } = this.#context.limits
    let frame: string | Uint8Array
    try {
      frame = encodeMessage(message, { compression: this.#compression, maxMessageBytes })
    } catch (error) {
      this.#context.logger.error('cannot encode a message', {
        type: message.type,
        error: String(error),
      })
      const internal = new ProtocolError('INTERNAL', 'The host could not send a message', {
        details: `a ${message.type} over the size limit`,
      })
      frame = JSON.stringify(internal.toErrorMessage())
    }
    const sent = new Promise<void>((resolve) => this.#socket.send(frame, () => resolve()))
    return this.#socket.bufferedAmount > maxBufferedBytes ? sent : Promise.resolve()
  }

  /** Lets the session go: generation stops, the queue empties, the session waits for a resume. */
  release(reason: string): void {
    const session = this.#session
    this.#session = undefined
    clearTimeout(this.#expiryTimer)
    this.#expiryTimer = undefined
    clearTimeout(this.#firstMessageTimer)
    this.#firstMessageTimer = undefined
    for (const pending of [this.#running, ...this.#queue]) pending?.controller.abort(reason)
    this.#queue = []
    this.#context.activeSockets.delete(this)
    if (session === undefined) return
    session.detach = undefined
    session.notify = undefined
    this.#context.sessions.touch(session)
  }

  async #handleFrame(data: RawData, isBinary: boolean): Promise<void> {
    let message: ClientMessage
    try {
      message = this.#decode(data, isBinary)
    } catch (error) {
      this.#reply(error, false)
      return
    }
    if (this.#signingKey !== undefined && !(await verifyMessage(message, this.#signingKey))) {
      this.#reply(invalidSignature(message), true)
      return
    }
    if (message.type === 'session_init' || message.type === 'session_resume') {
      await this.#start(message)
      return
    }
    try {
      this.#handle(message)
    } catch (error) {
      this.#reply(error, false)
    }
  }

  #decode(data: RawData, isBinary: boolean): ClientMessage {
    const bytes = Array.isArray(data) ? Buffer.concat(data) : data
    const { maxMessageBytes } = this.#context.limits
    if (!isBinary) return decodeClientMessage(bytes, { frame: 'text', maxMessageBytes })
    if (this.#compression === null) {
      throw new ProtocolError('BAD_MESSAGE', 'Binary frames need negotiated compression', {
        details: 'send text frames, or offer compression in session_init',
      })
    }
    return decodeClientMessage(bytes, {
      frame: 'binary',
      compression: [this.#compression],
      maxMessageBytes,
    })
  }

  async #start(message: SessionInitMessage | SessionResumeMessage): Promise<void> {
    if (this.#session !== undefined) {
      this.#reply(
        rejection(message, 'BAD_MESSAGE', 'A session is already open on this socket'),
        false,
      )
      return
    }
    try {
      const { session, resumed, claims, signingKey } = await startSession(this.#context, message)
      if (this.#socket.readyState !== WebSocket.OPEN) return
      const previous = this.#context.sessions.get(session.id)
      previous?.detach?.('the session was resumed on another socket')
      this.#context.sessions.add(session)
      session.detach = (reason) => {
        this.release(reason)
        this.#socket.close(closeCodes.replaced, reason)
      }
      session.notify = (message) => void this.send(message)
      this.#session = session
      clearTimeout(this.#firstMessageTimer)
      this.#firstMessageTimer = undefined
      this.#claims = claims
      this.#signingKey = signingKey
      this.#context.activeSockets.add(this)
      this.#compression = negotiateCompression(message.compression)
      await this.send({
        type: 'session_ready',
        session_id: session.id,
        resumed,
        context_messages: session.conversation.length,
        context_tokens: session.conversation.reduce((sum, turn) => sum + turn.tokens, 0),
        limits: {
          max_message_bytes: this.#context.limits.maxMessageBytes,
          prompts_per_minute: this.#context.limits.promptsPerMinute,
          max_context_tokens: session.backend.contextWindow,
        },
        compression: this.#compression,
        signing: signingKey !== undefined,
        host_public_key: this.#context.identity.publicKeyHex,
      })
      // Not if the socket closed meanwhile: release() has run and nothing would clear the timer.
      if (claims !== undefined && this.#session === session) {
        this.#watchExpiry(session, claims.exp * 1000)
      }
    } catch (error) {
      this.#reply(error, true)
    }
  }

  #handle(message: Exclude<ClientMessage, SessionInitMessage | SessionResumeMessage>): void {
    const session = this.#session
    if (session === undefined || message.session_id !== session.id) {
      throw rejection(message, 'SESSION_NOT_FOUND', 'No such session on this socket', {
        details: 'send session_init or session_resume first',
      })
    }
    if (this.#ending) throw rejection(message, 'BAD_MESSAGE', 'The session is ending')
    try {
      this.#context.replayGuard.check(message)
      if (this.#claims !== undefined) {
        requirePermission(this.#claims, message.type, { usage: session.permissionUsage })
      }
    } catch (error) {
      throw asRejection(message, error)
    }
    this.#context.sessions.touch(session)

    switch (message.type) {
      case 'prompt':
        this.#enqueue(session, message)
        return
      case 'cancel': {
        const pending = [this.#running, ...this.#queue].find(
          (candidate) => candidate?.prompt.request_id === message.request_id,
        )
        if (pending === undefined) {
          throw rejection(message, 'BAD_MESSAGE', 'No pending prompt has this request_id')
        }
        pending.controller.abort('cancelled')
        return
      }
      case 'session_end':
        // Every pending prompt still gets its (cancelled) response before session_closed.
        this.#ending = true
        for (const pending of [this.#running, ...this.#queue]) pending?.controller.abort('ended')
        this.#pump()
        return
      case 'ping':
        void this.send({ type: 'pong', session_id: session.id })
        return
    }
  }

  #enqueue(session: Session, prompt: PromptMessage): void {
    const pending = [this.#running, ...this.#queue]
    if (pending.some((candidate) => candidate?.prompt.request_id === prompt.request_id)) {
      throw rejection(prompt, 'BAD_MESSAGE', 'A prompt with this request_id is pending')
    }
    const { maxQueuedPrompts } = this.#context.limits
    if (this.#running !== undefined && this.#queue.length >= maxQueuedPrompts) {
      throw rejection(prompt, 'RATE_LIMITED', 'Too many prompts waiting', {
        details: `at most ${maxQueuedPrompts} wait behind the one running`,
        retryAfterMs: 1000,
      })
    }
    const waitMs = session.promptLimiter.take()
    if (waitMs > 0) {
      throw rejection(prompt, 'RATE_LIMITED', 'Too many prompts per minute', {
        details: `at most ${this.#context.limits.promptsPerMinute}`,
        retryAfterMs: waitMs,
      })
    }
    this.#queue.push({ prompt, controller: new AbortController() })
    this.#pump()
  }

  #pump(): void {
    const session = this.#session
    if (this.#running !== undefined || session === undefined) return
    const next = this.#queue.shift()
    if (next === undefined) {
      if (this.#ending) {
        this.#end(session).catch((error: unknown) => {
          this.#context.logger.error('cannot end the session', { error: String(error) })
          this.#socket.terminate()
        })
      }
      return
    }
    this.#running = next
    const signal = AbortSignal.any([next.controller.signal, this.#context.closing])
    // runPrompt never rejects (a failed prompt gets an INTERNAL error); the catches make sure no
    // failure of one session's pipeline can ever reach the process as an unhandled rejection.
    runPrompt({
      context: this.#context,
      session,
      prompt: next.prompt,
      signal,
      send: (message) => this.send(message),
      isAttached: () => this.#session === session,
    })
      .catch((error: unknown) => {
        this.#context.logger.error('prompt pipeline failed', { error: String(error) })
      })
      .finally(() => {
        this.#running = undefined
        this.#pump()
      })
      .catch((error: unknown) => {
        this.#context.logger.error('cannot run the next prompt', { error: String(error) })
        this.#socket.terminate()
      })
  }

  /**
   * Sends `token_expiring` once, 60 s before the token expires (at once if that is past). The host
   * does not cut the socket at `exp`: the session key keeps proving the client on it; a new
   * socket needs a valid (refreshed) token.
   */
  #watchExpiry(session: Session, expiresAt: number): void {
    const delayMs = Math.max(0, expiresAt - tokenExpiringNoticeMs - this.#context.clock.now())
    this.#expiryTimer = setTimeout(() => {
      this.#expiryTimer = undefined
      void this.send({ type: 'token_expiring', session_id: session.id, expires_at: expiresAt })
    }, delayMs)
    this.#expiryTimer.unref()
  }

  async #end(session: Session): Promise<void> {
    await this.send({ type: 'session_closed', session_id: session.id, usage: session.usage })
    this.#context.logger.info('session ended', {
      sessionId: session.id,
      permissions: session.permissionUsage.snapshot(),
    })
    this.release('session ended')
    this.#context.sessions.delete(session)
    this.#context.replayGuard.delete(session.id)
    this.#context.proofs?.endSession(session.id)
    this.#socket.close(closeCodes.normal, 'session ended')
  }

  #reply(error: unknown, fatal: boolean): void {
    let refusal: ProtocolError
    if (ProtocolError.isInstance(error)) {
      refusal = error
    } else {
      this.#context.logger.error('unexpected failure', { error: String(error) })
      refusal = new ProtocolError('INTERNAL', 'The host failed to handle the message', {
        details: 'see the host log',
      })
    }
    void this.send(refusal.toErrorMessage({ fatal }))
    if (!fatal) return
    this.release(refusal.code)
    const code = refusal.code === 'INTERNAL' ? closeCodes.internal : closeCodes.policy
    this.#socket.close(code, refusal.code)
  }
}

/**
 * Pings a socket after `pingIntervalMs` without a frame from its client (and again every
 * `pingIntervalMs` while it stays silent); cuts it once nothing (no message, no pong) came for
 * `pongTimeoutMs`. Returns the function that stops watching.
 */
function keepAlive(context: HostContext, socket: WebSocket): () => void {
  const { pingIntervalMs, pongTimeoutMs } = context.limits
  let lastHeardAt = context.clock.now()
  let lastPingAt = lastHeardAt
  const heard = () => {
    lastHeardAt = context.clock.now()
  }
  socket.on('message', heard)
  socket.on('pong', heard)
  const tickMs = Math.max(1, Math.ceil(Math.min(pingIntervalMs, pongTimeoutMs) / 3))
  const timer = setInterval(() => {
    if (socket.readyState !== WebSocket.OPEN) return
    const now = context.clock.now()
    if (now - lastHeardAt >= pongTimeoutMs) {
      context.logger.debug('socket silent, cut', { silentMs: now - lastHeardAt })
      socket.terminate()
      return
    }
    if (now - Math.max(lastHeardAt, lastPingAt) >= pingIntervalMs) {
      lastPingAt = now
      socket.ping()
    }
  }, tickMs)
  timer.unref()
  return () => clearInterval(timer)
}
