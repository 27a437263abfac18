/**
 * @internal The URL without credentials, query or fragment, safe for error messages.
 */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url)
    parsed.username = ''
    parsed.password = ''
    parsed.search = ''
    parsed.hash = ''
    return parsed.toString()
  } catch {
    return '(invalid URL)'
  }
}

/**
 * @internal The WebSocket endpoint of a host: its http(s) base with the ws(s) scheme and
 * `/v1/session` appended to the base path.
 *
 * @throws {TypeError} when `hostUrl` is not an http(s) or ws(s) URL.
 */
export function sessionUrl(hostUrl: string): string {
  let url: URL
  try {
    url = new URL(hostUrl)
  } catch {
    throw new TypeError('hostUrl must be an absolute http(s) URL')
  }
  const schemes: Record<string, string> = {
    'http:': 'ws:',
    'https:': 'wss:',
    'ws:': 'ws:',
    'wss:': 'wss:',
  }
  const scheme = schemes[url.protocol]
  if (scheme === undefined) throw new TypeError('hostUrl must be an http(s) or ws(s) URL')
  url.protocol = scheme
  url.pathname = `${url.pathname.replace(/\/+$/, '')}/v1/session`
  url.search = ''
  url.hash = ''
  return url.toString()
}

/** @internal Joins a base URL and an absolute path. */
export function joinUrl(baseUrl: string, path: string): string {
  const url = new URL(baseUrl)
  url.pathname = `${url.pathname.replace(/\/+$/, '')}${path}`
  return url.toString()
}
