import type { AbortOptions, ProtocolError } from '@fabstir/protocol'
import type { AuthRequestError } from './errors/AuthRequestError.js'
import { assertHostUrl, deadlineSignal, postJson } from './internal/postJson.js'

/** Options of {@link refreshToken}. */
export type RefreshTokenOptions = AbortOptions & {
  /** The host's http(s) base URL (its `apiUrl`), without credentials. */
  hostUrl: string
  /** The current session token, not yet expired. */
  token: string
  /** The fetch to use. @default globalThis.fetch */
  fetch?: typeof globalThis.fetch
  /** Deadline of the request. @default 30_000 */
  timeoutMs?: number
}

/** What {@link refreshToken} returns. */
export type RefreshTokenReturnType = {
  /** The new session JWT (same job, permissions and session key). Never log it. */
  token: string
  /** When it expires, in milliseconds since the epoch. */
  expiresAt: number
}

/** What {@link refreshToken} throws. */
export type RefreshTokenErrorType = TypeError | RangeError | AuthRequestError | ProtocolError

/**
 * Exchanges a session token that has not expired yet for a fresh one (`POST /v1/auth/refresh`
 * with `Authorization: Bearer`, PROTOCOL.md §2–§3). Call it before `exp`, e.g. when the host
 * sends `token_expiring`; an expired token cannot be refreshed (run `authenticateSession` again).
 *
 * @param options - host URL, the token, and optionally `fetch`, `signal` and `timeoutMs`.
 * @returns the new token and its expiry.
 * @throws {TypeError} for a malformed host URL or an empty token.
 * @throws {AuthRequestError} the host's code (`TOKEN_EXPIRED`, `AUTH_FAILED`, …) with `status`;
 *   `HTTP_ERROR`, `NETWORK_ERROR`.
 * @throws {ProtocolError} `BAD_MESSAGE` when the answer is not a valid body.
 * @example
 * ```ts
 * import { refreshToken } from '@fabstir/auth'
 *
 * const { token: fresh, expiresAt } = await refreshToken({ hostUrl, token })
 * ```
 */
export async function refreshToken({
  hostUrl,
  token,
  fetch = globalThis.fetch,
  signal,
  timeoutMs = 30_000,
}: RefreshTokenOptions): Promise<RefreshTokenReturnType> {
  assertHostUrl(hostUrl)
  if (typeof token !== 'string' || token.length === 0 || /[\s,]/.test(token)) {
    throw new TypeError('token must be a non-empty string without white space')
  }
  if (typeof fetch !== 'function') throw new TypeError('No fetch: pass one as `fetch`')
  const deadline = deadlineSignal(signal, timeoutMs)
  try {
    const refreshed = await postJson({
      hostUrl,
      path: '/v1/auth/refresh',
      body: undefined,
      bearer: token,
      response: 'authRefreshResponse',
      fetch,
      signal: deadline.signal,
    })
    return { token: refreshed.token, expiresAt: refreshed.expires_at }
  } finally {
    deadline.dispose()
  }
}
