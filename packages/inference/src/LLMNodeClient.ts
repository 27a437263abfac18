import {
  type AbortOptions,
  decodeHttpBody,
  defaultMaxMessageBytes,
  type HealthResponse,
  type HttpBodies,
  type HttpBodyName,
  type InferenceEvent,
  type InferenceRequest,
  type InferenceResponse,
  type ModelsResponse,
  ProtocolError,
  type VersionResponse,
} from '@fabstir/protocol'
import { HttpError } from './errors/http.js'
import { StreamError } from './errors/stream.js'
import { deadlineSignal, sleep } from './internal/abort.js'
import { backoffDelayMs } from './internal/backoff.js'
import { joinUrl, redactUrl } from './internal/url.js'

/** Settings of an {@link LLMNodeClient}. */
export type LLMNodeClientOptions = {
  /** The host's http(s) base URL (its `apiUrl`). */
  baseUrl: string
  /** Session JWT sent as `Authorization: Bearer`; hosts in development mode need none. */
  token?: string
  /** Deadline of every call, retries and (for streams) reading included, unless the call sets one. @default 60_000 */
  timeoutMs?: number
  /** Retries of a retryable failure (network error, 429, 502, 503, 504). @default 3 */
  retryCount?: number
  /** Base of the exponential backoff (with jitter) between retries. @default 250 */
  retryDelayMs?: number
  /** Longest backoff between retries. @default 8_000 */
  maxRetryDelayMs?: number
  /** Longest wait a `Retry-After` header or `retry_after_ms` may impose. @default 30_000 */
  maxRetryAfterMs?: number
  /** Whether a failure is retried. @default the error's `isRetryable` */
  shouldRetry?: (error: HttpError) => boolean
}

/** Dependencies of an {@link LLMNodeClient}. */
export type LLMNodeClientComponents = {
  /** The fetch to use. @default globalThis.fetch */
  fetch?: typeof globalThis.fetch
}

/** What {@link LLMNodeClient.streamInference} yields: chunks, then the final response. */
export type StreamInferenceEvent = Exclude<InferenceEvent, { type: 'error' }>

const retryableStatuses = new Set([429, 502, 503, 504])

/**
 * Client of a host's HTTP API (PROTOCOL.md §2): health, version, models, and inference as JSON or
 * as server-sent events. Every call takes `signal` and `timeoutMs`, validates the response with
 * `decodeHttpBody`, and retries retryable failures (network errors, 429 honouring `Retry-After`
 * up to a cap, 502, 503, 504) with exponential backoff and jitter.
 *
 * @example
 * ```ts
 * import { LLMNodeClient } from '@fabstir/inference'
 *
 * const client = new LLMNodeClient({ baseUrl: 'http://127.0.0.1:8080' })
 * const model = (await client.models()).models[0]?.name ?? 'repo/model.gguf'
 * for await (const event of client.streamInference({ model, prompt: 'Hi', max_tokens: 50 })) {
 *   if (event.type === 'stream_chunk') process.stdout.write(event.content)
 * }
 * ```
 */
export class LLMNodeClient {
  readonly #baseUrl: string
  readonly #token: string | undefined
  readonly #timeoutMs: number
  readonly #retry: {
    retryCount: number
    retryDelayMs: number
    maxRetryDelayMs: number
    maxRetryAfterMs: number
  }
  readonly #shouldRetry: (error: HttpError) => boolean
  readonly #fetch: typeof globalThis.fetch

  /**
   * @param options - base URL, token, timeouts and retries (each with its default).
   * @param components - the injected `fetch`.
   * @throws {TypeError} when `baseUrl` is not an http(s) URL or no `fetch` is available.
   * @throws {RangeError} when a numeric option is negative or not finite.
   */
  constructor(
    {
      baseUrl,
      token,
      timeoutMs = 60_000,
      retryCount = 3,
      retryDelayMs = 250,
      maxRetryDelayMs = 8_000,
      maxRetryAfterMs = 30_000,
      shouldRetry = (error) => error.isRetryable,
    }: LLMNodeClientOptions,
    { fetch = globalThis.fetch }: LLMNodeClientComponents = {},
  ) {
    let url: URL
    try {
      url = new URL(baseUrl)
    } catch {
      throw new TypeError('baseUrl must be an absolute http(s) URL')
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new TypeError('baseUrl must be an http(s) URL')
    }
    if (typeof fetch !== 'function') throw new TypeError('No fetch: pass one in components')
    const numbers = { timeoutMs, retryCount, retryDelayMs, maxRetryDelayMs, maxRetryAfterMs }
    for (const [name, value] of Object.entries(numbers)) {
      if (!Number.isFinite(value) || value < 0) {
        throw new RangeError(`${name} must be a finite number ≥ 0`)
      }
    }
    this.#baseUrl = baseUrl
    this.#token = token
    this.#timeoutMs = timeoutMs
    this.#retry = { retryCount, retryDelayMs, maxRetryDelayMs, maxRetryAfterMs }
    this.#shouldRetry = shouldRetry
    this.#fetch = fetch
  }

  /**
   * `GET /health`. A host that is not serving answers 503 with `{status:'unavailable'}`, which is
   * returned, not thrown.
   *
   * @param options - `signal`, `timeoutMs`.
   * @throws {HttpError} for other failures; {ProtocolError} for a malformed body.
   * @example
   * ```ts
   * const health = await client.health()
   * if (health.status === 'ok') console.log(health.active_sessions)
   * ```
   */
  health(options: AbortOptions = {}): Promise<HealthResponse> {
    return this.#json('GET', '/health', undefined, 'health', options, [503])
  }

  /**
   * `GET /v1/version`: the host's version, protocol, features, chains and keys.
   *
   * @param options - `signal`, `timeoutMs`.
   * @throws {HttpError} / {ProtocolError}.
   * @example
   * ```ts
   * const { protocol, ed25519_public_key } = await client.version()
   * ```
   */
  version(options: AbortOptions = {}): Promise<VersionResponse> {
    return this.#json('GET', '/v1/version', undefined, 'version', options)
  }

  /**
   * `GET /v1/models`: the models the host serves, with prices.
   *
   * @param options - `signal`, `timeoutMs`.
   * @throws {HttpError} / {ProtocolError}.
   * @example
   * ```ts
   * const { models } = await client.models()
   * ```
   */
  models(options: AbortOptions = {}): Promise<ModelsResponse> {
    return this.#json('GET', '/v1/models', undefined, 'models', options)
  }

  /**
   * `POST /v1/inference` without streaming.
   *
   * @param request - model, prompt, `max_tokens`, and optionally temperature and context.
   * @param options - `signal`, `timeoutMs`.
   * @returns the answer with its finish reason and usage.
   * @throws {HttpError} with the host's code (e.g. `RATE_LIMITED` after the retries); {ProtocolError}.
   * @example
   * ```ts
   * const { content } = await client.inference({ model, prompt: 'Hi', max_tokens: 50 })
   * ```
   */
  inference(request: InferenceRequest, options: AbortOptions = {}): Promise<InferenceResponse> {
    return this.#json(
      'POST',
      '/v1/inference',
      { ...request, stream: false },
      'inferenceResponse',
      options,
    )
  }

  /**
   * `POST /v1/inference` with `stream: true`: the server-sent events as they arrive, each
   * validated as an `InferenceEvent`: `stream_chunk`s (in `seq` order), then the final
   * `response`. An `error` event is thrown as an {@link HttpError} with its code. Breaking out of
   * the loop closes the request. Retries happen only before the first event.
   *
   * @param request - as {@link LLMNodeClient.inference}.
   * @param options - `signal`; `timeoutMs` covers the whole stream.
   * @throws {HttpError}, {ProtocolError} for a malformed event, {StreamError} `STREAM_SEQUENCE`.
   * @example
   * ```ts
   * for await (const event of client.streamInference({ model, prompt: 'Hi', max_tokens: 50 })) {
   *   if (event.type === 'stream_chunk') process.stdout.write(event.content)
   *   else console.log(event.usage)
   * }
   * ```
   */
  async *streamInference(
    request: InferenceRequest,
    options: AbortOptions = {},
  ): AsyncGenerator<StreamInferenceEvent, void, undefined> {
    const deadline = deadlineSignal(options.signal, options.timeoutMs ?? this.#timeoutMs)
    try {
      const response = await this.#request(
        'POST',
        '/v1/inference',
        { ...request, stream: true },
        deadline.signal,
        [],
      )
      const body = response.body
      if (body === null) {
        throw new ProtocolError('BAD_MESSAGE', 'The event stream has no body')
      }
      let expectedSeq = 0
      for await (const data of readServerSentEvents(body, deadline.signal)) {
        const event = decodeHttpBody('inferenceEvent', data)
        if (event.type === 'error') {
          throw new HttpError(event.code, `Host answered ${event.code}`, {
            details: event.message,
            status: response.status,
            isRetryable: retryableStatuses.has(statusForStreamError(event.code)),
            ...(event.retry_after_ms === undefined ? {} : { retryAfterMs: event.retry_after_ms }),
          })
        }
        if (event.type === 'stream_chunk') {
          if (event.seq !== expectedSeq) {
            throw new StreamError('STREAM_SEQUENCE', 'The host sent a stream chunk out of order', {
              details: `expected seq ${expectedSeq}, received ${event.seq}`,
            })
          }
          expectedSeq++
        }
        yield event
        if (event.type === 'response') return
      }
      throw new ProtocolError('BAD_MESSAGE', 'The event stream ended without a response')
    } catch (error) {
      if (deadline.signal.aborted) throw deadline.signal.reason
      throw error
    } finally {
      deadline.dispose()
    }
  }

  async #json<name extends HttpBodyName>(
    method: 'GET' | 'POST',
    path: string,
    body: unknown,
    name: name,
    options: AbortOptions,
    acceptStatuses: readonly number[] = [],
  ): Promise<HttpBodies[name]> {
    const deadline = deadlineSignal(options.signal, options.timeoutMs ?? this.#timeoutMs)
    try {
      const response = await this.#request(method, path, body, deadline.signal, acceptStatuses)
      const text = await response.text()
      return decodeHttpBody(name, text)
    } catch (error) {
      if (deadline.signal.aborted) throw deadline.signal.reason
      throw error
    } finally {
      deadline.dispose()
    }
  }

  async #request(
    method: 'GET' | 'POST',
    path: string,
    body: unknown,
    signal: AbortSignal,
    acceptStatuses: readonly number[],
  ): Promise<Response> {
    const url = joinUrl(this.#baseUrl, path)
    const where = `${method} ${redactUrl(url)}`
    const headers: Record<string, string> = { accept: 'application/json, text/event-stream' }
    if (body !== undefined) headers['content-type'] = 'application/json'
    if (this.#token !== undefined) headers.authorization = `Bearer ${this.#token}`
    const init: RequestInit = {
      method,
      headers,
      signal,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    }
    for (let attempt = 0; ; attempt++) {
      let error: HttpError
      try {
        const response = await this.#fetch(url, init)
        if (response.ok || acceptStatuses.includes(response.status)) return response
        error = await httpErrorOf(response, where)
      } catch (failure) {
        if (signal.aborted) throw signal.reason
        if (HttpError.isInstance(failure)) throw failure
        error = new HttpError('NETWORK_ERROR', `${where} failed`, {
          cause: failure,
          isRetryable: true,
        })
      }
      if (attempt >= this.#retry.retryCount || !this.#shouldRetry(error)) throw error
      await sleep(backoffDelayMs(attempt + 1, this.#retry, error.retryAfterMs), signal)
    }
  }
}

async function httpErrorOf(response: Response, where: string): Promise<HttpError> {
  const status = response.status
  const isRetryable = retryableStatuses.has(status)
  const retryAfterHeader = parseRetryAfter(response.headers.get('retry-after'))
  let text: string | undefined
  try {
    text = await response.text()
  } catch {
    text = undefined
  }
  let parsed: HttpBodies['error'] | undefined
  try {
    parsed = text === undefined ? undefined : decodeHttpBody('error', text)
  } catch {
    parsed = undefined
  }
  const retryAfterMs = parsed?.error.retry_after_ms ?? retryAfterHeader
  const common = {
    status,
    isRetryable,
    ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
  }
  if (parsed === undefined) {
    return new HttpError('HTTP_ERROR', `${where} answered ${status}`, common)
  }
  return new HttpError(parsed.error.code, `${where} answered ${status} ${parsed.error.code}`, {
    ...common,
    details: parsed.error.message,
  })
}

/** `Retry-After` as milliseconds: delay-seconds or an HTTP date. */
function parseRetryAfter(value: string | null): number | undefined {
  if (value === null) return undefined
  const trimmed = value.trim()
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000)
  const date = Date.parse(trimmed)
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now())
}

function statusForStreamError(code: string): number {
  if (code === 'RATE_LIMITED') return 429
  if (code === 'UNAVAILABLE') return 503
  return 500
}

/**
 * The `data` of each server-sent event (WHATWG `text/event-stream`): `data:` lines joined with
 * newlines; comments, `event`, `id` and `retry` fields are ignored. An event larger than
 * `defaultMaxMessageBytes` fails with `MESSAGE_TOO_LARGE`.
 */
async function* readServerSentEvents(
  body: ReadableStream<Uint8Array>,
  signal: AbortSignal,
): AsyncGenerator<string, void, undefined> {
  const reader = body.getReader()
  const decoder = new TextDecoder()
  let buffer = ''
  let data: string[] = []
  const onAbort = () => {
    reader.cancel(signal.reason).catch(() => {})
  }
  signal.addEventListener('abort', onAbort, { once: true })
  try {
    for (;;) {
      const { done, value } = await reader.read()
      buffer += done ? decoder.decode() : decoder.decode(value, { stream: true })
      if (buffer.length > defaultMaxMessageBytes) {
        throw new ProtocolError('MESSAGE_TOO_LARGE', 'A server-sent event exceeds the size limit')
      }
      let newline = buffer.search(/\r\n|\r|\n/)
      // A trailing \r may be the first half of \r\n: wait for the next read.
      while (newline >= 0 && !(newline === buffer.length - 1 && buffer.endsWith('\r') && !done)) {
        const line = buffer.slice(0, newline)
        const width = buffer.startsWith('\r\n', newline) ? 2 : 1
        buffer = buffer.slice(newline + width)
        if (line === '') {
          if (data.length > 0) yield data.join('\n')
          data = []
        } else if (line.startsWith('data:')) {
          data.push(line.slice(line.startsWith('data: ') ? 6 : 5))
        }
        newline = buffer.search(/\r\n|\r|\n/)
      }
      if (done) {
        if (data.length > 0) yield data.join('\n')
        return
      }
    }
  } finally {
    signal.removeEventListener('abort', onAbort)
    reader.cancel().catch(() => {})
  }
}
