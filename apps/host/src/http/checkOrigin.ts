import { ProtocolError } from '@fabstir/protocol'

const loopbackHostnames = new Set(['127.0.0.1', 'localhost', '[::1]'])

/**
 * @internal Normalizes the entries of `allowedOrigins`: `'*'` stays, anything else must be an
 * `http:` or `https:` URL and becomes its origin (`scheme://host[:port]`).
 *
 * @throws {TypeError} for an entry that is neither.
 */
export function normalizeAllowedOrigins(allowed: readonly string[]): ReadonlySet<string> {
  const origins = new Set<string>()
  for (const entry of allowed) {
    if (entry === '*') {
      origins.add('*')
      continue
    }
    const origin = parseOrigin(entry)
    if (origin === undefined) {
      throw new TypeError('allowedOrigins holds an entry that is neither "*" nor an http(s) origin')
    }
    origins.add(origin)
  }
  return origins
}

/**
 * @internal Whether a request with this `Origin` header may use the host: no header (a client
 * that is not a browser), a loopback origin (`http(s)://127.0.0.1`, `localhost`, `[::1]`, any
 * port), or one of `allowed` (or anything, with `'*'`). A malformed value (`null` included) is
 * refused. Never throws.
 */
export function isOriginAllowed(
  header: string | string[] | undefined,
  allowed: ReadonlySet<string>,
): boolean {
  if (header === undefined) return true
  if (allowed.has('*')) return true
  if (typeof header !== 'string') return false
  const origin = parseOrigin(header, true)
  if (origin === undefined) return false
  if (allowed.has(origin)) return true
  return loopbackHostnames.has(new URL(origin).hostname)
}

/** @internal The refusal of a foreign origin (403). */
export function foreignOrigin(): ProtocolError {
  return new ProtocolError('PERMISSION_DENIED', 'This origin may not use the host', {
    details: 'the host serves browsers only from loopback origins and its allowedOrigins',
  })
}

function parseOrigin(text: string, strict = false): string | undefined {
  if (text.length > 2048) return undefined
  let url: URL
  try {
    url = new URL(text)
  } catch {
    return undefined
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined
  // An origin has no credentials, path, query or fragment.
  if (url.username !== '' || url.password !== '' || url.search !== '' || url.hash !== '') {
    return undefined
  }
  if (url.pathname !== '/') return undefined
  // A browser sends the serialized origin exactly; anything else in a header is refused.
  if (strict && text !== url.origin) return undefined
  return url.origin
}
