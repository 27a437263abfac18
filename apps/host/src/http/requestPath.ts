import { ProtocolError } from '@fabstir/protocol'

/**
 * @internal The path of a request target (`/v1/session?x` → `/v1/session`), or `undefined` when
 * the target is no URL at all (`//[`, `http://[`, `http://%`): such a request gets
 * {@link malformedTarget}, never an exception, since it comes before any authentication.
 */
export function requestPath(target: string | undefined): string | undefined {
  try {
    return new URL(target ?? '/', 'http://host').pathname
  } catch {
    return undefined
  }
}

/** @internal The refusal of a request whose target {@link requestPath} cannot read (400). */
export function malformedTarget(): ProtocolError {
  return new ProtocolError('BAD_MESSAGE', 'Malformed request target', {
    details: 'the request target is not a URL',
  })
}
