import * as v from 'valibot'
import { decompressFrame } from './compression.js'
import { ProtocolError } from './errors/ProtocolError.js'
import { decimalId, requestId as requestIdSchema } from './internal/primitives.js'
import { defaultMaxMessageBytes } from './limits.js'
import { type ClientMessage, clientMessageSchemas } from './messages/client.js'
import type { CompressionName } from './messages/common.js'
import { type HostMessage, hostMessageSchemas } from './messages/host.js'
import { type HttpBodies, type HttpBodyName, httpBodySchemas } from './messages/http.js'

/** What a WebSocket or HTTP body delivers: text, or bytes. */
export type WireData = string | ArrayBuffer | ArrayBufferView

/** Options of the decoders. */
export type DecodeOptions = {
  /** Largest accepted message in bytes, after decompression. @default defaultMaxMessageBytes (4 MiB) */
  maxMessageBytes?: number
  /**
   * How bytes are read: `binary` frames carry a compressed message (PROTOCOL.md §6), `text` frames
   * UTF-8 JSON. Strings are always text. @default 'binary' for bytes
   */
  frame?: 'text' | 'binary'
  /** Compression the session negotiated; binary frames of any other are rejected. @default both */
  compression?: readonly CompressionName[]
}

/**
 * Decodes and validates a client → host WebSocket message.
 *
 * @param data - the frame as received.
 * @returns the typed message; unknown fields are kept, so a signature over them still verifies.
 * @throws {ProtocolError} `BAD_MESSAGE` for anything that is not a valid message (not JSON, binary
 *   garbage, unknown `type`, missing or mistyped fields) or has no canonical JSON form (a lone
 *   surrogate in any string or key, unknown fields included: signatures and the transcript hash
 *   cover the message's canonical JSON, RFC 8785); `MESSAGE_TOO_LARGE` past the size limit.
 *   Never any other error.
 * @example
 * ```ts
 * import { decodeClientMessage } from '@fabstir/protocol'
 *
 * const message = decodeClientMessage('{"type":"ping","session_id":"1","message_index":1,"ts":0}')
 * ```
 */
export function decodeClientMessage(data: WireData, options: DecodeOptions = {}): ClientMessage {
  return decodeTyped(clientMessageSchemas, 'client', data, options)
}

/**
 * Decodes and validates a host → client WebSocket message.
 *
 * @param data - the frame as received.
 * @returns the typed message.
 * @throws {ProtocolError} as {@link decodeClientMessage}.
 */
export function decodeHostMessage(data: WireData, options: DecodeOptions = {}): HostMessage {
  return decodeTyped(hostMessageSchemas, 'host', data, options)
}

/**
 * Decodes and validates an HTTP body of `fabstir/1` (a request on the host, a response on the
 * client, or one server-sent event's `data`).
 *
 * @param name - which body, e.g. `'version'` for `GET /v1/version`.
 * @param data - the body as text or bytes (UTF-8 JSON, never compressed), or already parsed JSON.
 * @throws {ProtocolError} `BAD_MESSAGE` (a lone surrogate included) or `MESSAGE_TOO_LARGE`, as
 *   {@link decodeClientMessage}.
 * @example
 * ```ts
 * import { decodeHttpBody } from '@fabstir/protocol'
 *
 * const { models } = decodeHttpBody('models', await response.text())
 * ```
 */
export function decodeHttpBody<name extends HttpBodyName>(
  name: name,
  data: WireData | { json: unknown },
  options: Omit<DecodeOptions, 'frame' | 'compression'> = {},
): HttpBodies[name] {
  // A parsed value has no text to scan: walk it.
  const { json, text } =
    typeof data === 'object' && data !== null && 'json' in data
      ? { json: data.json, text: undefined }
      : parseJson(data, { ...options, frame: 'text' })
  if (text === undefined || mayHoldLoneSurrogate(text)) refuseLoneSurrogates(json)
  const schema = httpBodySchemas[name] as v.GenericSchema<unknown, HttpBodies[name]>
  return validate(schema, json, `${name} body`)
}

type SchemaTable = Record<string, v.GenericSchema<unknown, unknown>>

function decodeTyped<table extends SchemaTable>(
  schemas: table,
  side: 'client' | 'host',
  data: WireData,
  options: DecodeOptions,
): v.InferOutput<table[keyof table]> {
  const { json, text } = parseJson(data, options)
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new ProtocolError('BAD_MESSAGE', 'Message is not a JSON object')
  }
  const { type } = json as { type?: unknown }
  const ids = idsOf(json)
  if (mayHoldLoneSurrogate(text)) refuseLoneSurrogates(json, ids)
  if (typeof type !== 'string') {
    throw new ProtocolError('BAD_MESSAGE', 'Message has no string "type"', ids)
  }
  const schema = Object.hasOwn(schemas, type) ? schemas[type] : undefined
  if (schema === undefined) {
    throw new ProtocolError('BAD_MESSAGE', `Unknown ${side} message type`, {
      ...ids,
      details: JSON.stringify(type.slice(0, 64)),
    })
  }
  return validate(schema, json, `"${type}" message`, ids) as v.InferOutput<table[keyof table]>
}

function validate<output>(
  schema: v.GenericSchema<unknown, output>,
  json: unknown,
  what: string,
  ids: { sessionId?: string; requestId?: string } = {},
): output {
  const result = v.safeParse(schema, json, { abortEarly: true })
  if (result.success) return result.output
  throw new ProtocolError('BAD_MESSAGE', `Invalid ${what}`, {
    ...ids,
    details: describeIssue(result.issues[0]),
  })
}

// Says where and what was expected, never the received value: it may be a token or a prompt.
function describeIssue(issue: v.BaseIssue<unknown> | undefined): string {
  if (issue === undefined) return 'invalid'
  const path = v.getDotPath(issue) ?? '(root)'
  if (issue.input === undefined) return `${path}: missing`
  const expected =
    issue.type === 'regex' || issue.type === 'check'
      ? issue.message
      : (issue.expected ?? issue.type.replaceAll('_', ' '))
  return `${path}: expected ${expected}, received ${describeType(issue.input)}`
}

function describeType(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return `an array of ${value.length}`
  if (typeof value === 'string') return `a string of ${value.length} characters`
  if (typeof value === 'number') return Number.isInteger(value) ? 'an integer' : 'a number'
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`
}

// Ids of a bad message, when they are well formed, so the error reply can name them.
function idsOf(json: object): { sessionId?: string; requestId?: string } {
  const { session_id: sessionId, request_id: requestId } = json as Record<string, unknown>
  return {
    ...(v.is(decimalId, sessionId) ? { sessionId } : {}),
    ...(v.is(requestIdSchema, requestId) ? { requestId } : {}),
  }
}

// With the `u` flag a lone surrogate is a code point of category Cs; a valid pair is not.
const loneSurrogate = /\p{Cs}/u
// A parsed string can hold a lone surrogate only if the text had one raw (a string given as is)
// or as a `\uD800`–`\uDFFF` escape. Text decoded from UTF-8 never has one raw, so on the
// streaming path this is one native scan of the text instead of a walk over every value.
const surrogateInText = /\p{Cs}|\\u[dD][89a-fA-F]/u

/** Whether JSON `text` may parse into a string or key with a lone surrogate. */
function mayHoldLoneSurrogate(text: string): boolean {
  return surrogateInText.test(text)
}

/**
 * Refuses JSON that has no canonical form (RFC 8785 forbids lone surrogates), wherever it is:
 * in a known field, an unknown one (kept, and covered by signatures and the transcript hash) or a
 * key. Walks without recursion, so no nesting depth overflows the stack. The error names where,
 * never the string.
 */
function refuseLoneSurrogates(
  json: unknown,
  ids: { sessionId?: string; requestId?: string } = {},
): void {
  // Paths are built only for the offender: each entry links to its parent.
  type Entry = { value: unknown; key: string; parent: Entry | undefined }
  const stack: Entry[] = [{ value: json, key: '', parent: undefined }]
  for (let entry = stack.pop(); entry !== undefined; entry = stack.pop()) {
    const { value } = entry
    let offender: string | undefined
    if (typeof value === 'string') {
      if (loneSurrogate.test(value)) offender = pathOf(entry)
    } else if (typeof value === 'object' && value !== null) {
      for (const [key, item] of Object.entries(value)) {
        if (loneSurrogate.test(key)) {
          offender = `a key in ${pathOf(entry)}`
          break
        }
        if (typeof item === 'string' || (typeof item === 'object' && item !== null)) {
          stack.push({ value: item, key, parent: entry })
        }
      }
    }
    if (offender !== undefined) {
      throw new ProtocolError('BAD_MESSAGE', 'Message has no canonical JSON form', {
        ...ids,
        details: `${offender.slice(0, 64)}: a lone surrogate`,
      })
    }
  }

  function pathOf(entry: Entry): string {
    const keys: string[] = []
    for (let at: Entry | undefined = entry; at?.parent !== undefined; at = at.parent) {
      keys.push(at.key)
    }
    return keys.length === 0 ? '(root)' : keys.reverse().join('.')
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true })

function parseJson(data: WireData, options: DecodeOptions): { json: unknown; text: string } {
  const { maxMessageBytes = defaultMaxMessageBytes, frame, compression } = options
  let text: string
  if (!isWireData(data)) {
    throw new ProtocolError('BAD_MESSAGE', 'Message is neither text nor bytes')
  }
  if (typeof data === 'string') {
    if (utf8Length(data, maxMessageBytes) > maxMessageBytes) throw tooLarge(maxMessageBytes)
    text = data
  } else {
    let bytes = toBytes(data)
    if (frame === 'text') {
      if (bytes.length > maxMessageBytes) throw tooLarge(maxMessageBytes)
    } else {
      bytes = decompressFrame(bytes, {
        maxBytes: maxMessageBytes,
        ...(compression ? { accept: compression } : {}),
      })
    }
    try {
      text = utf8.decode(bytes)
    } catch (error) {
      throw new ProtocolError('BAD_MESSAGE', 'Message is not valid UTF-8', { cause: error })
    }
  }
  try {
    return { json: JSON.parse(text), text }
  } catch (error) {
    // The parser's own message quotes the input, which may be a token or a prompt.
    throw new ProtocolError('BAD_MESSAGE', 'Message is not valid JSON', {
      cause: error,
      details: 'syntax error',
    })
  }
}

function isWireData(data: unknown): data is WireData {
  return typeof data === 'string' || data instanceof ArrayBuffer || ArrayBuffer.isView(data)
}

function toBytes(data: ArrayBuffer | ArrayBufferView): Uint8Array {
  if (data instanceof Uint8Array) return data
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
  return new Uint8Array(data)
}

// Exact UTF-8 length only when the cheap bounds cannot decide.
function utf8Length(text: string, limit: number): number {
  if (text.length * 3 <= limit || text.length > limit) return text.length
  return new TextEncoder().encode(text).length
}

function tooLarge(maxMessageBytes: number): ProtocolError {
  return new ProtocolError('MESSAGE_TOO_LARGE', 'Message exceeds the size limit', {
    details: `more than ${maxMessageBytes} bytes`,
  })
}
