import { BackendError } from '../BackendError.js'
import { readBoundedText } from './readBoundedText.js'

/** Most characters of an error body read, and of the server's message kept in `details`. */
const maxErrorBodyChars = 4096
const maxDetailsChars = 200

/**
 * The error for a backend's non-2xx answer: `BACKEND_UNAVAILABLE` (retryable, with its
 * `Retry-After`) for 429 and 5xx, `BACKEND_REJECTED` for other statuses. `details` is the
 * server's own `error.message` (OpenAI's and llama.cpp's error shape), cut to 200 characters.
 *
 * @param response - the answer, body unread.
 * @param origin - context line, e.g. the backend's URL without credentials.
 */
export async function errorFromResponse(response: Response, origin: string): Promise<BackendError> {
  const { text } = await readBoundedText(response, maxErrorBodyChars).catch(() => ({ text: '' }))
  const unavailable = response.status === 429 || response.status >= 500
  const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'))
  const details = serverMessage(text)?.slice(0, maxDetailsChars)
  return new BackendError(
    unavailable ? 'BACKEND_UNAVAILABLE' : 'BACKEND_REJECTED',
    `The backend answered HTTP ${response.status}`,
    {
      status: response.status,
      metaMessages: [`Backend: ${origin}`],
      ...(details ? { details } : {}),
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    },
  )
}

function serverMessage(text: string): string | undefined {
  try {
    const body = JSON.parse(text) as { error?: { message?: unknown } | string }
    const message = typeof body.error === 'string' ? body.error : body.error?.message
    return typeof message === 'string' ? message : undefined
  } catch {
    return undefined
  }
}

/** `Retry-After` as seconds or an HTTP date, in milliseconds from now. */
function parseRetryAfter(value: string | null): number | undefined {
  if (value === null) return undefined
  const seconds = Number(value)
  if (value.trim() !== '' && Number.isFinite(seconds)) return Math.max(0, seconds * 1000)
  const date = Date.parse(value)
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now())
}
