import type { ChatMessage } from '@fabstir/protocol'
import { BackendError } from './BackendError.js'
import type { GenerateOptions, ModelBackend } from './ModelBackend.js'
import { errorFromResponse } from './openAICompatible/errorFromResponse.js'
import { readBoundedText } from './openAICompatible/readBoundedText.js'
import { readEventData } from './openAICompatible/readEventData.js'
import { validateGenerateOptions } from './validateGenerateOptions.js'

/** Options of {@link createOpenAICompatibleBackend}. */
export type CreateOpenAICompatibleBackendOptions = {
  /** The server's root, e.g. `http://127.0.0.1:8080`; requests go to `{baseUrl}/v1/...`. */
  baseUrl: string
  /** The `model` field sent with each request. */
  model: string
  /** The model's `"repo/file"` name the host advertises. @default model */
  name?: string
  /** Sent as `Authorization: Bearer <apiKey>`; never printed in errors. */
  apiKey?: string
  /** Largest context in the model's tokens, as the host advertises it. @default 4096 */
  contextWindow?: number
  /**
   * Longest wait, in milliseconds, for the response headers and then for each streamed event
   * (time the caller takes to consume a token does not count). @default 120_000
   */
  timeoutMs?: number
  /**
   * Most characters of one unfinished server-sent-events line or event held in memory; a longer
   * one fails the generation with `BACKEND_BAD_RESPONSE`. @default 65_536
   */
  maxBufferedChars?: number
  /** The fetch to use (injected for tests or a custom agent). @default globalThis.fetch */
  fetch?: typeof globalThis.fetch
}

/** What {@link createOpenAICompatibleBackend} returns. */
export type CreateOpenAICompatibleBackendReturnType = ModelBackend

/** Most characters of a `/tokenize` answer read per character of input (plus a floor). */
const tokenizeCharsPerInputChar = 16
const tokenizeMinChars = 65_536
/** Statuses that mean the server has no `/tokenize`: fall back to the estimate for good. */
const noTokenizerStatuses = new Set([404, 405, 501])

/**
 * A backend that streams from an OpenAI-compatible server (llama.cpp's `llama-server`, vLLM,
 * Ollama, LM Studio, OpenAI itself) through `POST {baseUrl}/v1/chat/completions` with
 * `stream: true`, yielding each `choices[0].delta.content` piece.
 *
 * `countTokens` asks the server's tokenizer, `POST {baseUrl}/tokenize {content}` →
 * `{tokens: [...]}`, which llama.cpp's server has. When that answers 404, 405 or 501 the backend
 * remembers it and from then on estimates: Unicode code points ÷ 4, rounded up (about right for
 * English with BPE tokenizers; it can be far off for code or other scripts).
 *
 * @param options - server, model, key, limits and an optional fetch.
 * @returns a {@link ModelBackend}. Its `generate` throws {@link BackendError}:
 *   `BACKEND_UNAVAILABLE` (cannot connect, dropped mid-stream, 429/5xx), `BACKEND_TIMEOUT`,
 *   `BACKEND_REJECTED` (other 4xx), `BACKEND_BAD_RESPONSE` (not SSE, malformed JSON, an error
 *   event, an over-long line, the stream ending before `[DONE]`). An abort through `signal`
 *   ends the iteration early without an error.
 * @throws {TypeError} when `baseUrl` is not an http(s) URL.
 * @throws {RangeError} when `contextWindow`, `timeoutMs` or `maxBufferedChars` is not a positive
 *   integer.
 *
 * @example
 * ```ts
 * import { createOpenAICompatibleBackend } from './backends/openAICompatible.js'
 *
 * const backend = createOpenAICompatibleBackend({
 *   baseUrl: 'http://127.0.0.1:8080',
 *   model: 'qwen2.5-0.5b-instruct',
 *   name: 'Qwen/Qwen2.5-0.5B-Instruct-GGUF/qwen2.5-0.5b-instruct-q4_k_m.gguf',
 * })
 * for await (const text of backend.generate([{ role: 'user', content: 'Hi' }], { maxTokens: 32, temperature: 0 })) {
 *   process.stdout.write(text)
 * }
 * ```
 */
export function createOpenAICompatibleBackend({
  baseUrl,
  model,
  name = model,
  apiKey,
  contextWindow = 4096,
  timeoutMs = 120_000,
  maxBufferedChars = 65_536,
  fetch = globalThis.fetch,
}: CreateOpenAICompatibleBackendOptions): CreateOpenAICompatibleBackendReturnType {
  const root = parseBaseUrl(baseUrl)
  // The URL as errors show it.
  const origin = `${root.origin}${root.pathname === '/' ? '' : root.pathname}`
  const endpoint = (path: string) =>
    new URL(`${root.pathname.replace(/\/$/, '')}${path}`, root).toString()
  for (const [key, value] of Object.entries({ contextWindow, timeoutMs, maxBufferedChars })) {
    if (!Number.isInteger(value) || value < 1) {
      throw new RangeError(`${key} must be a positive integer, got ${value}`)
    }
  }
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    accept: 'text/event-stream',
    ...(apiKey === undefined ? {} : { authorization: `Bearer ${apiKey}` }),
  }
  const open = new Set<AbortController>()
  let hasTokenizer: boolean | undefined
  let closed = false

  /** Runs `step` with the timeout armed, translating fetch and read failures. */
  async function timed<value>(
    controller: AbortController,
    step: () => Promise<value>,
    failure: string,
  ): Promise<value> {
    const timer = setTimeout(() => controller.abort(new TimeoutMarker()), timeoutMs)
    try {
      return await step()
    } catch (error) {
      throw translate(error, controller.signal, failure)
    } finally {
      clearTimeout(timer)
    }
  }

  function translate(error: unknown, signal: AbortSignal, failure: string): unknown {
    if (BackendError.isInstance(error)) return error
    if (signal.reason instanceof TimeoutMarker) {
      return new BackendError('BACKEND_TIMEOUT', `The backend sent nothing for ${timeoutMs} ms`, {
        metaMessages: [`Backend: ${origin}`],
      })
    }
    if (closed) {
      return new BackendError('BACKEND_UNAVAILABLE', 'The backend was closed', {
        metaMessages: [`Backend: ${origin}`],
      })
    }
    if (signal.aborted) return signal.reason
    return new BackendError('BACKEND_UNAVAILABLE', failure, {
      cause: error,
      metaMessages: [`Backend: ${origin}`],
      // undici reports the reason (ECONNREFUSED, "other side closed") on the cause.
      ...(error instanceof Error && error.cause instanceof Error
        ? { details: error.cause.message }
        : {}),
    })
  }

  /** A controller for one request that follows the caller's signal and `close()`. */
  function openRequest(signal: AbortSignal | undefined): [AbortController, () => void] {
    const controller = new AbortController()
    const onAbort = () => controller.abort(signal?.reason)
    signal?.addEventListener('abort', onAbort, { once: true })
    open.add(controller)
    return [
      controller,
      () => {
        signal?.removeEventListener('abort', onAbort)
        open.delete(controller)
        controller.abort()
      },
    ]
  }

  async function* generate(
    messages: readonly ChatMessage[],
    { maxTokens, temperature, signal }: GenerateOptions,
  ): AsyncGenerator<string> {
    if (closed) throw new BackendError('BACKEND_UNAVAILABLE', 'The backend was closed')
    if (signal?.aborted || maxTokens === 0) return
    const [controller, release] = openRequest(signal)
    let events: AsyncGenerator<string> | undefined
    try {
      const response = await timed(
        controller,
        () =>
          fetch(endpoint('/v1/chat/completions'), {
            method: 'POST',
            headers,
            body: JSON.stringify({
              model,
              messages,
              stream: true,
              max_tokens: maxTokens,
              temperature,
            }),
            signal: controller.signal,
          }),
        'Cannot reach the backend',
      )
      if (!response.ok) throw await errorFromResponse(response, origin)
      const type = response.headers.get('content-type') ?? ''
      if (!response.body || !type.startsWith('text/event-stream')) {
        await response.body?.cancel().catch(() => {})
        throw new BackendError('BACKEND_BAD_RESPONSE', 'The backend did not stream events', {
          status: response.status,
          metaMessages: [`Backend: ${origin}`, `Content-Type: ${type || '(none)'}`],
        })
      }

      events = readEventData(response.body, { maxBufferedChars, origin })
      let finished = false
      for (;;) {
        const next = await timed(
          controller,
          () => (events as AsyncGenerator<string>).next(),
          'The backend dropped the connection mid-stream',
        )
        if (next.done) break
        if (next.value === '[DONE]') return
        const { content, finishReason } = parseChunk(next.value, origin)
        if (finishReason) finished = true
        if (content) yield content
      }
      // Some servers end without `[DONE]` once a choice has its finish reason; anything else
      // is a stream cut short.
      if (!finished) {
        throw new BackendError('BACKEND_UNAVAILABLE', 'The backend ended the stream early', {
          metaMessages: [`Backend: ${origin}`],
        })
      }
    } catch (error) {
      if (signal?.aborted && !BackendError.isInstance(error)) return
      throw error
    } finally {
      release()
      await events?.return(undefined)
    }
  }

  return {
    name,
    contextWindow,
    generate(messages, options) {
      validateGenerateOptions(options)
      return generate(messages, options)
    },
    async countTokens(text) {
      if (hasTokenizer === false) return estimateTokens(text)
      const [controller, release] = openRequest(undefined)
      try {
        const response = await timed(
          controller,
          () =>
            fetch(endpoint('/tokenize'), {
              method: 'POST',
              headers: { ...headers, accept: 'application/json' },
              body: JSON.stringify({ content: text }),
              signal: controller.signal,
            }),
          'Cannot reach the backend',
        )
        if (noTokenizerStatuses.has(response.status)) {
          await response.body?.cancel().catch(() => {})
          hasTokenizer = false
          return estimateTokens(text)
        }
        if (!response.ok) throw await errorFromResponse(response, origin)
        const limit = Math.max(tokenizeMinChars, text.length * tokenizeCharsPerInputChar)
        const { text: body } = await timed(
          controller,
          () => readBoundedText(response, limit),
          'The backend dropped the connection',
        )
        const tokens = parseTokens(body)
        if (!tokens) {
          throw new BackendError('BACKEND_BAD_RESPONSE', 'The backend sent no token list', {
            metaMessages: [`Backend: ${origin}`, 'Endpoint: /tokenize'],
          })
        }
        hasTokenizer = true
        return tokens.length
      } finally {
        release()
      }
    },
    async close() {
      closed = true
      for (const controller of open) controller.abort()
    },
  }
}

/** Marks an abort caused by the timeout rather than the caller. */
class TimeoutMarker extends Error {
  override name = 'TimeoutError'
}

/**
 * Estimated tokens when the server has no tokenizer: Unicode code points ÷ 4, rounded up.
 *
 * @param text - any text.
 */
export function estimateTokens(text: string): number {
  let codePoints = 0
  for (const _ of text) codePoints++
  return Math.ceil(codePoints / 4)
}

function parseBaseUrl(baseUrl: string): URL {
  let url: URL
  try {
    url = new URL(baseUrl)
  } catch {
    throw new TypeError('baseUrl must be an absolute http(s) URL')
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new TypeError(`baseUrl must be an http(s) URL, got ${url.protocol}`)
  }
  // fetch refuses URLs with credentials, and errors would print them.
  if (url.username || url.password) {
    throw new TypeError('baseUrl must not include credentials; pass apiKey instead')
  }
  return url
}

/** Reads one `chat.completion.chunk`: its first choice's content and finish reason. */
function parseChunk(
  data: string,
  origin: string,
): { content: string | undefined; finishReason: string | undefined } {
  let chunk: unknown
  try {
    chunk = JSON.parse(data)
  } catch (error) {
    throw new BackendError('BACKEND_BAD_RESPONSE', 'The backend sent an event that is not JSON', {
      cause: error,
      metaMessages: [`Backend: ${origin}`],
    })
  }
  if (typeof chunk !== 'object' || chunk === null || Array.isArray(chunk)) {
    throw new BackendError(
      'BACKEND_BAD_RESPONSE',
      'The backend sent an event that is not an object',
      {
        metaMessages: [`Backend: ${origin}`],
      },
    )
  }
  const { error, choices } = chunk as { error?: unknown; choices?: unknown }
  if (error !== undefined) {
    const message = (error as { message?: unknown } | null)?.message
    throw new BackendError('BACKEND_BAD_RESPONSE', 'The backend reported an error mid-stream', {
      metaMessages: [`Backend: ${origin}`],
      ...(typeof message === 'string' ? { details: message.slice(0, 200) } : {}),
    })
  }
  if (choices === undefined) return { content: undefined, finishReason: undefined }
  const choice = Array.isArray(choices) ? (choices[0] as unknown) : null
  // A usage-only chunk has no choices.
  if (choice === undefined) return { content: undefined, finishReason: undefined }
  const { delta, finish_reason } = (choice ?? {}) as { delta?: unknown; finish_reason?: unknown }
  const content = (delta as { content?: unknown } | null | undefined)?.content
  if (
    choice === null ||
    typeof choice !== 'object' ||
    (content !== undefined && content !== null && typeof content !== 'string')
  ) {
    throw new BackendError('BACKEND_BAD_RESPONSE', 'The backend sent a malformed chunk', {
      metaMessages: [`Backend: ${origin}`],
    })
  }
  return {
    content: content ?? undefined,
    finishReason: typeof finish_reason === 'string' ? finish_reason : undefined,
  }
}

function parseTokens(body: string): unknown[] | undefined {
  try {
    const { tokens } = JSON.parse(body) as { tokens?: unknown }
    return Array.isArray(tokens) ? tokens : undefined
  } catch {
    return undefined
  }
}
