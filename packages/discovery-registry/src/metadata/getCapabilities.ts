import type { NodeMetadata } from './NodeMetadata.js'

/**
 * Spellings hosts use for the same capability, mapped to the name this SDK matches on. Anything
 * not listed is kept as normalised.
 */
const aliases: ReadonlyMap<string, string> = new Map([
  ['llm', 'inference'],
  ['text-generation', 'inference'],
  ['completion', 'inference'],
  ['completions', 'inference'],
  ['stream', 'streaming'],
  ['sse', 'streaming'],
  ['encrypted', 'encryption'],
  ['e2ee', 'encryption'],
  ['end-to-end-encryption', 'encryption'],
  ['proof', 'proofs'],
  ['proof-of-work', 'proofs'],
  ['zk-proofs', 'ezkl'],
  ['ezkl-proofs', 'ezkl'],
  ['signed', 'signing'],
  ['signatures', 'signing'],
  ['resumable', 'resume'],
  ['session-resume', 'resume'],
])

/**
 * A host's capabilities as a normalised set: each entry trimmed, lowercased, with runs of spaces
 * and underscores turned into `-`, known aliases mapped (`stream` → `streaming`, `proof` →
 * `proofs`, `e2ee` → `encryption`, `ezkl-proofs` → `ezkl`, `llm` → `inference`, …), empty entries
 * dropped, deduplicated and sorted.
 *
 * Names the SDK knows: `inference` (serves prompts), `streaming` (streams tokens), `encryption`
 * (accepts end-to-end encrypted sessions, with `secp256k1PublicKey`), `proofs` (checkpoints with
 * signed transcript proofs), `ezkl` (EZKL zero-knowledge proofs), `signing` (Ed25519-signed
 * messages), `resume` (`session_resume`), `compression`. Other names pass through unchanged.
 *
 * @param metadata - parsed metadata (or the valid part of invalid metadata); `undefined` gives `[]`.
 * @returns the capabilities, sorted; a new array each call.
 * @example
 * ```ts
 * import { getCapabilities } from '@fabstir/discovery-registry'
 *
 * getCapabilities({ ed25519PublicKey, capabilities: ['Inference', 'stream', 'EZKL', 'stream'] })
 * // ['ezkl', 'inference', 'streaming']
 * ```
 */
export function getCapabilities(
  metadata: Pick<NodeMetadata, 'capabilities'> | undefined,
): string[] {
  const capabilities = new Set<string>()
  const entries: unknown = metadata?.capabilities
  if (!Array.isArray(entries)) return []
  for (const entry of entries) {
    if (typeof entry !== 'string') continue
    const name = entry
      .trim()
      .toLowerCase()
      .replace(/[\s_]+/g, '-')
    if (name === '') continue
    capabilities.add(aliases.get(name) ?? name)
  }
  return [...capabilities].sort()
}
