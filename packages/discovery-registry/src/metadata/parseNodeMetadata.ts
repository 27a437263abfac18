import * as v from 'valibot'
import type { Hex } from 'viem'
import type { NodeMetadata } from './NodeMetadata.js'

/**
 * The largest metadata document {@link parseNodeMetadata} reads, in UTF-8 bytes (16 KiB). A
 * legitimate document is well under 2 KiB; anything larger is refused before `JSON.parse`.
 *
 * @example
 * ```ts
 * import { maxNodeMetadataBytes } from '@fabstir/discovery-registry'
 *
 * const fits = new TextEncoder().encode(metadataJson).length <= maxNodeMetadataBytes
 * ```
 */
export const maxNodeMetadataBytes = 16_384

/** The deepest nesting accepted anywhere in the document (the schema itself needs 3). */
const maxDepth = 8
/** The longest array accepted anywhere in the document. */
const maxArrayLength = 256
/** Keys that could pollute a prototype when the object is later merged or spread. */
const forbiddenKeys = new Set(['__proto__', 'constructor', 'prototype'])

/** What {@link parseNodeMetadata} returns. */
export type ParseNodeMetadataReturnType =
  | {
      metadataValid: true
      metadata: NodeMetadata
    }
  | {
      metadataValid: false
      /** Why the metadata was refused, one line (e.g. `ed25519PublicKey: must be 32 bytes of hex`). */
      reason: string
      /**
       * The fields that are valid on their own, when the document is an object that passed the
       * structural checks: a host with a bad key can still show its name and region.
       */
      metadata?: Partial<NodeMetadata>
    }

const invalid = (
  reason: string,
  metadata?: Partial<NodeMetadata>,
): ParseNodeMetadataReturnType => ({
  metadataValid: false,
  reason,
  ...(metadata === undefined ? {} : { metadata }),
})

/** C0 and C1 controls, DEL, and the bidirectional formatting characters used to spoof text. */
function hasControlCharacter(text: string): boolean {
  for (let index = 0; index < text.length; index += 1) {
    const code = text.charCodeAt(index)
    if (
      code < 0x20 ||
      (code >= 0x7f && code <= 0x9f) ||
      code === 0x200e ||
      code === 0x200f ||
      (code >= 0x202a && code <= 0x202e) ||
      (code >= 0x2066 && code <= 0x2069)
    ) {
      return true
    }
  }
  return false
}

const text = (maxLength: number) =>
  v.pipe(
    v.string('must be a string'),
    v.minLength(1, 'must not be empty'),
    v.maxLength(maxLength, `must be at most ${maxLength} characters`),
    v.check((value) => !hasControlCharacter(value), 'must not contain control characters'),
  )

const hex = (pattern: RegExp, expects: string) =>
  v.pipe(
    v.string('must be a string'),
    v.regex(pattern, expects),
    v.transform((value) => `0x${value.replace(/^0x/, '').toLowerCase()}` as Hex),
  )

const fieldSchemas = {
  name: text(128),
  region: text(64),
  hardware: v.object(
    {
      gpu: text(128),
      vramGb: v.pipe(
        v.number('must be a number'),
        v.finite('must be finite'),
        v.minValue(0, 'must be at least 0'),
        v.maxValue(1_000_000, 'must be at most 1000000'),
      ),
    },
    'must be an object',
  ),
  capabilities: v.pipe(
    v.array(text(64), 'must be an array'),
    v.maxLength(64, 'must have at most 64 entries'),
  ),
  maxConcurrent: v.pipe(
    v.number('must be a number'),
    v.safeInteger('must be a whole number'),
    v.minValue(1, 'must be at least 1'),
    v.maxValue(1_000_000, 'must be at most 1000000'),
  ),
  ed25519PublicKey: hex(/^(0x)?[0-9a-fA-F]{64}$/, 'must be 32 bytes of hex'),
  secp256k1PublicKey: hex(
    /^(0x)?0[23][0-9a-fA-F]{64}$/,
    'must be a compressed public key: 33 bytes of hex starting with 02 or 03',
  ),
  p2p: v.object(
    {
      peerId: v.pipe(
        v.string('must be a string'),
        v.regex(/^[A-Za-z0-9]{16,128}$/, 'must be 16 to 128 letters and digits'),
      ),
      multiaddrs: v.pipe(
        v.array(
          v.pipe(
            text(256),
            v.regex(/^\/[^\s]*$/, 'must be a multiaddr starting with / and without spaces'),
          ),
          'must be an array',
        ),
        v.maxLength(16, 'must have at most 16 entries'),
      ),
    },
    'must be an object',
  ),
} as const

type FieldName = keyof typeof fieldSchemas

const metadataSchema = v.object({
  name: v.optional(fieldSchemas.name),
  region: v.optional(fieldSchemas.region),
  hardware: v.optional(fieldSchemas.hardware),
  capabilities: v.optional(fieldSchemas.capabilities),
  maxConcurrent: v.optional(fieldSchemas.maxConcurrent),
  ed25519PublicKey: fieldSchemas.ed25519PublicKey,
  secp256k1PublicKey: v.optional(fieldSchemas.secp256k1PublicKey),
  p2p: v.optional(fieldSchemas.p2p),
})

/** UTF-8 length of a string that is at most `limit` UTF-16 code units long. */
function utf8Length(value: string): number {
  let bytes = 0
  for (let index = 0; index < value.length; index += 1) {
    const code = value.charCodeAt(index)
    if (code < 0x80) bytes += 1
    else if (code < 0x800) bytes += 2
    else if (code >= 0xd800 && code <= 0xdbff && index + 1 < value.length) {
      const low = value.charCodeAt(index + 1)
      if (low >= 0xdc00 && low <= 0xdfff) {
        bytes += 4
        index += 1
      } else bytes += 3
    } else bytes += 3
  }
  return bytes
}

/** Walks the parsed document without recursion; returns why it is refused, if it is. */
function checkStructure(root: unknown): string | undefined {
  const stack: { value: unknown; depth: number; path: string }[] = [
    { value: root, depth: 1, path: '(root)' },
  ]
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    const { value, depth, path } = item
    if (typeof value !== 'object' || value === null) continue
    if (depth > maxDepth) return `${path}: nested deeper than ${maxDepth} levels`
    if (Array.isArray(value)) {
      if (value.length > maxArrayLength) {
        return `${path}: an array of ${value.length} entries (at most ${maxArrayLength})`
      }
      value.forEach((entry, index) => {
        stack.push({ value: entry, depth: depth + 1, path: `${path}[${index}]` })
      })
      continue
    }
    for (const key of Object.keys(value)) {
      if (forbiddenKeys.has(key)) return `${path}: forbidden key "${key}"`
      stack.push({
        value: (value as Record<string, unknown>)[key],
        depth: depth + 1,
        path: path === '(root)' ? key : `${path}.${key}`,
      })
    }
  }
  return undefined
}

/** The fields that validate on their own, for a document that failed as a whole. */
function validFields(document: Record<string, unknown>): Partial<NodeMetadata> {
  const metadata: Record<string, unknown> = {}
  for (const name of Object.keys(fieldSchemas) as FieldName[]) {
    if (!Object.hasOwn(document, name)) continue
    const result = v.safeParse(fieldSchemas[name], document[name])
    if (result.success) metadata[name] = result.output
  }
  return metadata as Partial<NodeMetadata>
}

/** Copies the validated output without the keys the schema left `undefined`. */
function compact(output: Record<string, unknown>): NodeMetadata {
  const metadata: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(output)) {
    if (value !== undefined) metadata[key] = value
  }
  return metadata as NodeMetadata
}

/**
 * Parses a host's registry metadata defensively. Metadata is an unvalidated string on chain that
 * anyone who stakes can set, so nothing in it is trusted: this never throws, and every refusal is
 * `{ metadataValid: false, reason }` with a one-line reason.
 *
 * Refused: a non-string; more than {@link maxNodeMetadataBytes} UTF-8 bytes (checked before
 * `JSON.parse`); invalid JSON; JSON that is not an object; the keys `__proto__`, `constructor` or
 * `prototype` anywhere; nesting deeper than 8 levels or an array longer than 256 entries anywhere;
 * a missing `ed25519PublicKey`; and any known field of the wrong type, out of range, or (for
 * strings) empty, too long, or containing control or bidirectional-formatting characters. Unknown
 * fields are ignored (left out of `metadata`), but they count for the structural limits.
 *
 * @param json - the metadata string from `getNodeFullInfo` or a `NodeRegistered` /
 *   `MetadataUpdated` event.
 * @returns `{ metadataValid: true, metadata }`, or `{ metadataValid: false, reason, metadata? }`
 *   where `metadata` holds the fields that are valid on their own.
 * @example
 * ```ts
 * import { parseNodeMetadata } from '@fabstir/discovery-registry'
 *
 * const parsed = parseNodeMetadata(host.rawMetadata)
 * if (parsed.metadataValid) console.log(parsed.metadata.ed25519PublicKey)
 * else console.warn('ignoring metadata:', parsed.reason)
 * ```
 */
export function parseNodeMetadata(json: string): ParseNodeMetadataReturnType {
  if (typeof json !== 'string') return invalid('metadata is not a string')
  if (json.length > maxNodeMetadataBytes || utf8Length(json) > maxNodeMetadataBytes) {
    return invalid(`metadata is larger than ${maxNodeMetadataBytes} bytes`)
  }
  if (json.trim() === '') return invalid('metadata is empty')
  let document: unknown
  try {
    document = JSON.parse(json)
  } catch {
    return invalid('metadata is not valid JSON')
  }
  if (typeof document !== 'object' || document === null || Array.isArray(document)) {
    const kind = document === null ? 'null' : Array.isArray(document) ? 'an array' : typeof document
    return invalid(`metadata must be a JSON object, not ${kind}`)
  }
  const structural = checkStructure(document)
  if (structural !== undefined) return invalid(structural)

  const record = document as Record<string, unknown>
  if (!Object.hasOwn(record, 'ed25519PublicKey')) {
    return invalid('ed25519PublicKey: is required', validFields(record))
  }
  const result = v.safeParse(metadataSchema, record)
  if (result.success) {
    return { metadataValid: true, metadata: compact(result.output as Record<string, unknown>) }
  }
  const [issue] = result.issues
  const path = v.getDotPath(issue) ?? '(root)'
  // A missing key is reported with the enclosing object's message; say what it is.
  const message =
    issue.type === 'object' && issue.input === undefined ? 'is required' : issue.message
  return invalid(`${path}: ${message}`, validFields(record))
}
