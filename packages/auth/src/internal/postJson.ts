import { decodeHttpBody, type HttpBodies, type HttpBodyName } from '@fabstir/protocol'
import { AuthRequestError } from '../errors/AuthRequestError.js'

const retryableStatuses = new Set([429, 502, 503, 504])

/** @internal Checks a host's base URL: absolute http(s), no credentials. */
export function assertHostUrl(hostUrl: unknown): asserts hostUrl is string {
  let url: URL
  try {
    url = new URL(hostUrl as string)
  } catch {
    throw new TypeError('hostUrl must be an absolute http(s) URL')
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new TypeError('hostUrl must be an http(s) URL')
  }
  if (url.username !== '' || url.password !== '') {
    throw new TypeError('hostUrl must not contain credentials')
  }
}

/**
 * @internal A signal that fires with the caller's `signal` or after `timeoutMs` (a
 * `TimeoutError`), with `dispose` to drop the timer and listener.
 */
export function deadlineSignal(
  signal: AbortSignal | undefined,
  timeoutMs: number,
): { signal: AbortSignal; dispose: () => void } {
  if (!Number.isFinite(timeoutMs) || timeoutMs < 0) {
    throw new RangeError('timeoutMs must be a finite number ≥ 0')
  }
  const controller = new AbortController()
  const onAbort = () => controller.abort(signal?.reason)
  if (signal?.aborted) controller.abort(signal.reason)
  else signal?.addEventListener('abort', onAbort, { once: true })
  const timer = setTimeout(
    () => controller.abort(new DOMException(`Timed out after ${timeoutMs} ms`, 'TimeoutError')),
    timeoutMs,
  )
  return {
    signal: controller.signal,
    dispose: () => {
      clearTimeout(timer)
      signal?.removeEventListener('abort', onAbort)
    },
  }
}

/** @internal One `POST` to a host's auth endpoint, its answer validated with `decodeHttpBody`. */
export async function postJson<name extends HttpBodyName>(options: {
  hostUrl: string
  path: string
  body: unknown
  bearer?: string
  response: name
  fetch: typeof globalThis.fetch
  signal: AbortSignal
}): Promise<HttpBodies[name]> {
  const { hostUrl, path, body, bearer, fetch, signal } = options
  const url = new URL(hostUrl)
  url.pathname = `${url.pathname.replace(/\/+$/, '')}${path}`
  url.search = ''
  url.hash = ''
  const headers: Record<string, string> = { accept: 'application/json' }
  if (body !== undefined) headers['content-type'] = 'application/json'
  if (bearer !== undefined) headers.authorization = `Bearer ${bearer}`
  let response: Response
  let text: string
  try {
    response = await fetch(url, {
      method: 'POST',
      headers,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal,
    })
    text = await response.text()
  } catch (error) {
    if (signal.aborted) throw signal.reason
    // The cause's message is the transport's ("fetch failed"); it never carries the body.
    throw new AuthRequestError('NETWORK_ERROR', `POST ${url} failed`, {
      cause: error,
      isRetryable: true,
    })
  }
  if (!response.ok) throw errorOf(response, text, `POST ${url}`)
  return decodeHttpBody(options.response, text)
}

function errorOf(response: Response, text: string, what: string): AuthRequestError {
  const { status } = response
  const isRetryable = retryableStatuses.has(status)
  const header = retryAfterHeaderMs(response.headers.get('retry-after'))
  let error: HttpBodies['error']['error']
  try {
    error = decodeHttpBody('error', text).error
  } catch {
    return new AuthRequestError('HTTP_ERROR', `${what} answered ${status}`, {
      status,
      isRetryable,
      ...(header === undefined ? {} : { retryAfterMs: header }),
      details: 'without an error body',
    })
  }
  const retryAfterMs = error.retry_after_ms ?? header
  return new AuthRequestError(error.code, `${what} answered ${status} ${error.code}`, {
    status,
    isRetryable,
    ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    details: error.message,
  })
}

function retryAfterHeaderMs(value: string | null): number | undefined {
  if (value === null || !/^\d{1,9}$/.test(value.trim())) return undefined
  return Number(value.trim()) * 1000
}
