import type { KeyObject } from 'node:crypto'
import { createServer, maxHeaderSize } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Duplex } from 'node:stream'
import { maxSessionTokenTtlSeconds, ReplayGuard } from '@fabstir/auth/host'
import {
  type Address,
  defaultMaxMessageBytes,
  type Hex,
  type HttpErrorBody,
  ProtocolError,
} from '@fabstir/protocol'
import { type WebSocket, WebSocketServer } from 'ws'
import { ChallengeStore } from './auth/ChallengeStore.js'
import { developmentHostAddress } from './auth/developmentHostAddress.js'
import type { JobVerifier } from './auth/JobVerifier.js'
import type { ModelBackend } from './backends/ModelBackend.js'
import { connectHostChain } from './chain/connectHostChain.js'
import type { HostChainOptions } from './chain/HostChainOptions.js'
import { type Clock, systemClock } from './clock.js'
import { createHostIdentity } from './hostIdentity.js'
import { foreignOrigin, isOriginAllowed, normalizeAllowedOrigins } from './http/checkOrigin.js'
import { handleHttpRequest } from './http/handleHttpRequest.js'
import { malformedTarget, requestPath } from './http/requestPath.js'
import type { HostContext } from './internal/HostContext.js'
import type { HostLimits } from './internal/HostLimits.js'
import { KeyedRateLimiter } from './KeyedRateLimiter.js'
import { type Logger, silentLogger } from './logger.js'
import { modelId } from './modelId.js'
import { handleSocket } from './session/handleSocket.js'
import { SessionStore } from './session/SessionStore.js'

/** Options of {@link startHost}. */
export type StartHostOptions = {
  /** The models served; a client picks one by name (or by its keccak256 id). At least one. */
  backends: readonly ModelBackend[]
  /**
   * Serve without authentication (development): every client may open any session, tokens and
   * signatures are ignored and `session_ready.signing` is `false`. Never expose such a host to a
   * network. Without it, `session_init`, `session_resume` and `POST /v1/inference` need a session
   * token from `/v1/auth/token`.
   * @default false
   */
  insecureNoAuth?: boolean
  /**
   * Checks each job on chain before `/v1/auth/token` (and `/v1/auth/refresh`) issues a token.
   * Without one those endpoints (and `/v1/auth/challenge`) answer `UNAVAILABLE`. For development,
   * `createDevelopmentJobVerifier()` accepts every job (and the host says so loudly).
   * @default none
   */
  jobVerifier?: JobVerifier | undefined
  /**
   * Serve real jobs on chain: the wallet's address becomes `hostAddress`, the client's chain
   * `chainId`; tokens are issued only for active jobs of this host whose depositor signed the
   * challenge (unless `jobVerifier` is given); every `proofInterval` tokens and at session end
   * the host submits a proof of work (the transcript head) and sends the client a signed
   * `checkpoint`; after the dispute window it completes the job.
   * @default none: no chain, jobs are whatever the `jobVerifier` accepts
   */
  chain?: HostChainOptions
  /** Lifetime of the session tokens the host issues, in seconds, 1 to 900. @default 900 */
  tokenTtlSeconds?: number
  /** How long a challenge of `/v1/auth/challenge` may be answered. @default 300_000 (5 min) */
  challengeTtlMs?: number
  /** Challenges held at once; past it the oldest is dropped. @default 10_000 */
  maxChallenges?: number
  /**
   * Unanswered challenges held for one remote address; past it that address's oldest is dropped
   * (never another address's). @default 16
   */
  maxChallengesPerAddress?: number
  /** `/v1/auth/challenge` requests per minute per remote address; more are `RATE_LIMITED`. @default 30 */
  challengesPerMinute?: number
  /**
   * Browser origins (`Origin` header) allowed to use `POST` endpoints and the WebSocket, besides
   * loopback ones (`http(s)://127.0.0.1`, `localhost`, `[::1]`, any port); `'*'` allows every
   * origin. A request without `Origin` (not from a browser) is always served; any other origin,
   * or a malformed one, gets `403 PERMISSION_DENIED`. @default []
   */
  allowedOrigins?: readonly string[]
  /**
   * A WebSocket that has not opened a session (`session_init`/`session_resume` accepted) this
   * long after its upgrade gets a fatal `error` and is closed (1008). @default 10_000
   */
  firstMessageTimeoutMs?: number
  /** WebSockets open at once from one remote address; an upgrade past it gets `429`. @default 64 */
  maxSocketsPerAddress?: number
  /** WebSockets open at once in all; an upgrade past it gets `503`. @default 4096 */
  maxSockets?: number
  /** The host pings a socket after this long without a frame from it. @default 30_000 */
  pingIntervalMs?: number
  /**
   * A socket from which nothing came (no message, no pong) for this long is cut; its session
   * stays resumable. @default 75_000
   */
  pongTimeoutMs?: number
  /** TCP port; 0 picks a free one (see the returned `port`). @default 0 */
  port?: number
  /** Interface to listen on. @default '127.0.0.1' */
  host?: string
  /** The chain whose jobs the host serves; sessions for another are refused. @default any */
  chainId?: number
  /**
   * The host's on-chain address: `iss` of its tokens, `Host:` of its challenges, reported by
   * `/v1/version` and passed to the `JobVerifier`. A host serving real jobs must be given it.
   * @default a development address: the last 20 bytes of keccak256 of the identity public key
   */
  hostAddress?: Address
  /** Prices `/v1/models` lists for every model. @default [] */
  prices?: readonly { token: Address | '0x0'; price_per_token: string }[]
  /**
   * The host's Ed25519 identity key (private): it signs every `response` and every session token.
   * @default a fresh key pair per start (tokens do not survive a restart)
   */
  identityKey?: KeyObject
  /** Largest message accepted, after decompression, and HTTP body. @default 4 MiB */
  maxMessageBytes?: number
  /** Prompts per minute per session (and per client address over HTTP). @default 60 */
  promptsPerMinute?: number
  /** Prompts that may wait behind the running one of a session; more are `RATE_LIMITED`. @default 4 */
  maxQueuedPrompts?: number
  /** Sessions held in memory; past it the least recently active idle one is evicted. @default 1000 */
  maxSessions?: number
  /** A session without a socket is forgotten after this long idle. @default 600_000 (10 min) */
  idleSessionTtlMs?: number
  /** `max_tokens` of a prompt that gives none. @default 512 */
  defaultMaxTokens?: number
  /** How far a message's `ts` may be from the host clock. @default 60_000 */
  maxClockSkewMs?: number
  /** Bytes a socket may buffer before generation waits for the client to read. @default 1 MiB */
  maxBufferedBytes?: number
  /** Where the host reports; it never logs tokens, keys or prompts. @default silent */
  logger?: Logger
  /** Time source (for tests). @default Date.now */
  clock?: Clock
}

/** What {@link startHost} returns: the running host. */
export type StartHostReturnType = {
  /** Base URL, e.g. `http://127.0.0.1:8080`; the WebSocket endpoint is `ws://…/v1/session`. */
  url: string
  /** The port listened on. */
  port: number
  /** The host's Ed25519 public key as hex, which verifies its signed responses. */
  publicKey: Hex
  /**
   * Stops the host: refuses new connections, cancels generations, closes every socket (1001) and
   * waits for the server to close. Backends are left open: they belong to the caller.
   */
  close(): Promise<void>
  [Symbol.asyncDispose](): Promise<void>
}

/**
 * Starts a host node serving `fabstir/1` (PROTOCOL.md) on one port: the HTTP endpoints and the
 * WebSocket session endpoint `/v1/session`.
 *
 * @param options - backends, network, identity and limits.
 * @returns the running host; `await using` closes it.
 * @throws {TypeError} without backends, with two backends of one name, with a key that is not
 *   an Ed25519 private key, a `hostAddress` that is not an address, or an `allowedOrigins` entry
 *   that is neither `'*'` nor an http(s) origin.
 * @throws {RangeError} for a limit that is not a positive integer, or `tokenTtlSeconds` over 900.
 *   Rejects if the port cannot be listened on.
 * @example
 * ```ts
 * import { createDevelopmentJobVerifier, createEmbeddedBackend, startHost } from '@fabstir/host'
 *
 * await using host = await startHost({
 *   backends: [createEmbeddedBackend()],
 *   jobVerifier: createDevelopmentJobVerifier(), // accepts every job: development only
 *   port: 8080,
 * })
 * console.log(host.url)
 * ```
 */
export async function startHost({
  backends,
  insecureNoAuth = false,
  jobVerifier: givenJobVerifier,
  chain,
  tokenTtlSeconds = maxSessionTokenTtlSeconds,
  challengeTtlMs = 5 * 60_000,
  maxChallenges = 10_000,
  maxChallengesPerAddress = 16,
  challengesPerMinute = 30,
  allowedOrigins = [],
  firstMessageTimeoutMs = 10_000,
  maxSocketsPerAddress = 64,
  maxSockets = 4096,
  pingIntervalMs = 30_000,
  pongTimeoutMs = 75_000,
  port = 0,
  host = '127.0.0.1',
  chainId: givenChainId,
  hostAddress: givenHostAddress,
  prices = [],
  identityKey,
  maxMessageBytes = defaultMaxMessageBytes,
  promptsPerMinute = 60,
  maxQueuedPrompts = 4,
  maxSessions = 1000,
  idleSessionTtlMs = 10 * 60_000,
  defaultMaxTokens = 512,
  maxClockSkewMs = 60_000,
  maxBufferedBytes = 1024 * 1024,
  logger = silentLogger,
  clock = systemClock,
}: StartHostOptions): Promise<StartHostReturnType> {
  const limits: HostLimits = {
    maxMessageBytes: positive('maxMessageBytes', maxMessageBytes),
    promptsPerMinute: positive('promptsPerMinute', promptsPerMinute),
    maxQueuedPrompts: positive('maxQueuedPrompts', maxQueuedPrompts, 0),
    maxSessions: positive('maxSessions', maxSessions),
    idleSessionTtlMs: positive('idleSessionTtlMs', idleSessionTtlMs),
    defaultMaxTokens: positive('defaultMaxTokens', defaultMaxTokens),
    maxClockSkewMs: positive('maxClockSkewMs', maxClockSkewMs),
    maxBufferedBytes: positive('maxBufferedBytes', maxBufferedBytes, 0),
    firstMessageTimeoutMs: positive('firstMessageTimeoutMs', firstMessageTimeoutMs),
    pingIntervalMs: positive('pingIntervalMs', pingIntervalMs),
    pongTimeoutMs: positive('pongTimeoutMs', pongTimeoutMs),
  }
  positive('maxSocketsPerAddress', maxSocketsPerAddress)
  positive('maxSockets', maxSockets)
  const origins = normalizeAllowedOrigins(allowedOrigins)
  positive('tokenTtlSeconds', tokenTtlSeconds)
  if (tokenTtlSeconds > maxSessionTokenTtlSeconds) {
    throw new RangeError(`tokenTtlSeconds must be at most ${maxSessionTokenTtlSeconds}`)
  }
  const identity = createHostIdentity(identityKey)
  if (givenHostAddress !== undefined && !/^0x[0-9a-fA-F]{40}$/.test(givenHostAddress)) {
    throw new TypeError('hostAddress must be an address: 0x and 40 hex digits')
  }
  const onChain =
    chain === undefined
      ? undefined
      : connectHostChain(chain, logger, (checkpoint) => {
          const session = sessions.get(checkpoint.session_id)
          if (session?.notify === undefined) return
          identity.sign(checkpoint).then(session.notify, (error: unknown) => {
            logger.error('cannot sign a checkpoint', { error: String(error) })
          })
        })
  if (onChain !== undefined && givenChainId !== undefined && givenChainId !== onChain.chainId) {
    throw new TypeError(
      `chainId ${givenChainId} differs from the chain client's ${onChain.chainId}`,
    )
  }
  if (
    onChain !== undefined &&
    givenHostAddress !== undefined &&
    givenHostAddress.toLowerCase() !== onChain.hostAddress
  ) {
    throw new TypeError('hostAddress differs from the chain wallet address')
  }
  const chainId = onChain?.chainId ?? givenChainId
  const hostAddress = (onChain?.hostAddress ??
    givenHostAddress?.toLowerCase() ??
    developmentHostAddress(identity.publicKeyHex)) as Address
  const jobVerifier = givenJobVerifier ?? onChain?.jobVerifier
  const proofs = onChain?.proofs
  const closing = new AbortController()
  // One guard for every session; a session the host forgets is forgotten by the guard too. Twice
  // the sessions, so refused session starts (which use up their index) cannot push live ones out.
  const replayGuard = new ReplayGuard({
    maxSessions: 2 * limits.maxSessions,
    maxClockSkewMs: limits.maxClockSkewMs,
    now: () => clock.now(),
  })
  const sessions = new SessionStore({
    maxSessions: limits.maxSessions,
    idleTtlMs: limits.idleSessionTtlMs,
    clock,
    onEvict: (session, reason) => {
      replayGuard.delete(session.id)
      proofs?.endSession(session.id)
      logger.debug('session evicted', { sessionId: session.id, reason })
    },
  })
  const context: HostContext = {
    backends: indexBackends(backends),
    models: [...backends],
    limits,
    insecureNoAuth,
    chainIds: chainId === undefined ? [] : [chainId],
    hostAddress,
    prices,
    identity,
    jobVerifier,
    proofs,
    challenges: new ChallengeStore({
      hostAddress,
      ttlMs: positive('challengeTtlMs', challengeTtlMs),
      maxChallenges: positive('maxChallenges', maxChallenges),
      maxPerRequester: positive('maxChallengesPerAddress', maxChallengesPerAddress),
      clock,
    }),
    tokenTtlSeconds,
    replayGuard,
    sessions,
    httpLimiter: new KeyedRateLimiter({ limit: limits.promptsPerMinute, clock }),
    challengeLimiter: new KeyedRateLimiter({
      limit: positive('challengesPerMinute', challengesPerMinute),
      clock,
    }),
    allowedOrigins: origins,
    logger,
    clock,
    startedAtMs: clock.now(),
    activeSockets: new Set(),
    closing: closing.signal,
  }

  // ws checks each frame's size before buffering it; our own codec enforces it after inflation.
  const webSockets = new WebSocketServer({ noServer: true, maxPayload: limits.maxMessageBytes })
  const server = createServer((request, response) => {
    // handleHttpRequest never rejects; should it all the same, the request dies, not the host.
    handleHttpRequest(context, request, response).catch(() => response.destroy())
  })
  let socketCount = 0
  const socketsByAddress = new Map<string, number>()
  server.on('upgrade', (request, socket: Duplex, head) => {
    socket.on('error', () => socket.destroy())
    // A throw out of an event listener would end the process: nothing escapes this one.
    try {
      const path = requestPath(request.url)
      if (path === undefined) {
        refuseUpgrade(socket, 400, 'Bad Request', malformedTarget())
        return
      }
      if (path !== '/v1/session' || closing.signal.aborted) {
        refuseUpgrade(socket, 404, 'Not Found')
        return
      }
      if (!isOriginAllowed(request.headers.origin, origins)) {
        refuseUpgrade(socket, 403, 'Forbidden', foreignOrigin())
        return
      }
      // Counted from the upgrade until the TCP socket closes, before any WebSocket exists.
      const remote = request.socket.remoteAddress ?? 'unknown'
      const fromRemote = socketsByAddress.get(remote) ?? 0
      if (socketCount >= maxSockets) {
        const busy = new ProtocolError('UNAVAILABLE', 'Too many connections', {
          details: `the host holds ${maxSockets} sockets`,
          retryAfterMs: 1000,
        })
        refuseUpgrade(socket, 503, 'Service Unavailable', busy)
        return
      }
      if (fromRemote >= maxSocketsPerAddress) {
        const limited = new ProtocolError(
          'RATE_LIMITED',
          'Too many connections from this address',
          {
            details: `at most ${maxSocketsPerAddress}`,
            retryAfterMs: 1000,
          },
        )
        refuseUpgrade(socket, 429, 'Too Many Requests', limited)
        return
      }
      socketCount += 1
      socketsByAddress.set(remote, fromRemote + 1)
      socket.once('close', () => {
        socketCount -= 1
        const left = (socketsByAddress.get(remote) ?? 1) - 1
        if (left > 0) socketsByAddress.set(remote, left)
        else socketsByAddress.delete(remote)
      })
      webSockets.handleUpgrade(request, socket, head, (webSocket) => {
        try {
          handleSocket(context, webSocket)
        } catch (error) {
          logger.error('cannot serve a WebSocket', { error: String(error) })
          webSocket.terminate()
        }
      })
    } catch (error) {
      logger.error('upgrade failed', { error: String(error) })
      socket.destroy()
    }
  })
  server.on('clientError', (error: NodeJS.ErrnoException, socket) => {
    // Headers past Node's limit (16 KiB) are answered, not just dropped; other errors cut.
    if (error.code === 'HPE_HEADER_OVERFLOW' && socket.writable) {
      const tooLarge = new ProtocolError('MESSAGE_TOO_LARGE', 'Request headers too large', {
        details: `at most ${maxHeaderSize} bytes`,
      })
      refuseUpgrade(socket, 431, 'Request Header Fields Too Large', tooLarge)
      return
    }
    socket.destroy()
  })

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => {
      server.off('error', reject)
      resolve()
    })
  })
  sessions.start()
  const { port: boundPort } = server.address() as AddressInfo
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${boundPort}`
  logger.info('host listening', {
    url,
    models: backends.map((backend) => backend.name),
    hostAddress,
    auth: insecureNoAuth ? 'off' : jobVerifier === undefined ? 'no job verifier' : 'on',
  })
  if (!insecureNoAuth && jobVerifier === undefined) {
    logger.warn('no JobVerifier: /v1/auth/token answers UNAVAILABLE, so no client can connect')
  }
  if (jobVerifier?.warning !== undefined) {
    logger.warn(jobVerifier.warning)
    // A library user with the silent default logger must not miss it either.
    if (logger === silentLogger) {
      process.emitWarning(jobVerifier.warning, { code: 'FABSTIR_JOB_VERIFIER' })
    }
  }

  let closed: Promise<void> | undefined
  const close = () => {
    closed ??= (async () => {
      closing.abort('host closing')
      sessions.stop()
      const serverClosed = new Promise<void>((resolve) => server.close(() => resolve()))
      await Promise.all([...webSockets.clients].map((client) => closeSocket(client)))
      webSockets.close()
      server.closeAllConnections()
      await serverClosed
      await proofs?.close()
      logger.info('host closed', { url })
    })()
    return closed
  }
  return {
    url,
    port: boundPort,
    publicKey: context.identity.publicKeyHex,
    close,
    [Symbol.asyncDispose]: close,
  }
}

/**
 * Answers an upgrade that is not served (or a request Node could not parse) with a bare HTTP
 * response, then cuts the socket.
 */
function refuseUpgrade(
  socket: Duplex,
  status: number,
  reason: string,
  error?: ProtocolError,
): void {
  let head = `HTTP/1.1 ${status} ${reason}\r\nconnection: close\r\n`
  let body = ''
  if (error !== undefined) {
    const payload: HttpErrorBody = {
      error: {
        code: error.code,
        message: error.shortMessage,
        ...(error.retryAfterMs === undefined ? {} : { retry_after_ms: error.retryAfterMs }),
        ...(error.details === undefined ? {} : { details: error.details }),
      },
    }
    body = JSON.stringify(payload)
    head += 'content-type: application/json; charset=utf-8\r\n'
    if (error.retryAfterMs !== undefined) {
      head += `retry-after: ${Math.max(1, Math.ceil(error.retryAfterMs / 1000))}\r\n`
    }
  }
  socket.write(`${head}content-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`)
  socket.destroy()
}

// A socket gets a second to answer the close handshake, then is cut.
function closeSocket(client: WebSocket): Promise<void> {
  return new Promise((resolve) => {
    if (client.readyState === client.CLOSED) {
      resolve()
      return
    }
    const timer = setTimeout(() => client.terminate(), 1000)
    client.once('close', () => {
      clearTimeout(timer)
      resolve()
    })
    client.close(1001, 'host shutting down')
  })
}

function indexBackends(backends: readonly ModelBackend[]): Map<string, ModelBackend> {
  if (backends.length === 0) throw new TypeError('startHost needs at least one backend')
  const byName = new Map<string, ModelBackend>()
  for (const backend of backends) {
    if (byName.has(backend.name)) {
      throw new TypeError(`Two backends are named ${JSON.stringify(backend.name)}`)
    }
    byName.set(backend.name, backend)
    byName.set(modelId(backend.name), backend)
  }
  return byName
}

function positive(name: string, value: number, least = 1): number {
  if (!Number.isSafeInteger(value) || value < least) {
    throw new RangeError(`${name} must be an integer of at least ${least}`)
  }
  return value
}
