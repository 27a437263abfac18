import canonicalize from 'canonicalize'
import { ProtocolError } from './errors/ProtocolError.js'

/**
 * Serialises a JSON value as RFC 8785 (JCS) canonical JSON: keys sorted by UTF-16 code units, no
 * white space, numbers in ECMAScript form. Properties whose value is `undefined` are left out, as
 * `JSON.stringify` does; lone surrogates are refused, as the RFC requires.
 *
 * @param value - a JSON value (objects, arrays, strings, finite numbers, booleans, null).
 * @returns the canonical text.
 * @throws {ProtocolError} `BAD_MESSAGE` for what JSON cannot hold: non-finite numbers, lone
 *   surrogates, cycles, or a top-level value with no JSON form (`undefined`, a function).
 * @example
 * ```ts
 * import { canonicalJson } from '@fabstir/protocol'
 *
 * canonicalJson({ b: 1, a: [true, null] }) // '{"a":[true,null],"b":1}'
 * ```
 */
export function canonicalJson(value: unknown): string {
  let text: string | undefined
  try {
    text = canonicalize(value)
  } catch (error) {
    throw new ProtocolError('BAD_MESSAGE', 'Value has no canonical JSON form', { cause: error })
  }
  if (text === undefined) {
    throw new ProtocolError('BAD_MESSAGE', 'Value has no canonical JSON form', {
      details: `a ${typeof value} is not JSON`,
    })
  }
  return text
}

/**
 * The bytes a `fabstir/1` signature covers: UTF-8 of the canonical JSON of the message without
 * its `sig` field (PROTOCOL.md §5).
 *
 * @param message - a client or host message, signed or not.
 * @throws {ProtocolError} as {@link canonicalJson}.
 */
export function signingBytes(message: object): Uint8Array {
  const { sig: _sig, ...unsigned } = message as { sig?: unknown }
  return new TextEncoder().encode(canonicalJson(unsigned))
}
