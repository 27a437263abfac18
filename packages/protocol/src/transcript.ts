import { sha256 } from '@noble/hashes/sha2.js'
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js'
import { canonicalJson } from './canonicalJson.js'
import type { PromptMessage } from './messages/client.js'
import type { Hex, Usage } from './messages/common.js'

/** `head_0` of every transcript: 32 zero bytes. */
export const transcriptGenesis: Hex = `0x${'00'.repeat(32)}`

/** What of a response enters the transcript. */
export type TranscriptResponse = { content: string; usage: Usage }

/**
 * One step of the transcript hash chain (PROTOCOL.md §8):
 * `head_i = SHA-256(head_{i-1} ‖ JCS(prompt_i without sig) ‖ JCS({content, usage} of response_i))`.
 * Client, host and contract hold the same head, so any change to any turn changes every later head.
 *
 * @param previousHead - `head_{i-1}`; {@link transcriptGenesis} before the first prompt.
 * @param prompt - the prompt message as sent (its `sig`, if any, is left out).
 * @param response - the final response's content and usage (other fields are left out).
 * @returns `head_i` as 0x-prefixed hex, the `transcript_head` of the response.
 * @throws {TypeError} when `previousHead` is not 32 bytes of hex.
 * @example
 * ```ts
 * import { nextTranscriptHead, transcriptGenesis } from '@fabstir/protocol'
 *
 * const head = nextTranscriptHead(transcriptGenesis, prompt, { content, usage })
 * ```
 */
export function nextTranscriptHead(
  previousHead: Hex,
  prompt: PromptMessage,
  response: TranscriptResponse,
): Hex {
  if (!/^0x[0-9a-fA-F]{64}$/.test(previousHead)) {
    throw new TypeError('previousHead must be 0x and 64 hex digits')
  }
  const { sig: _sig, ...unsignedPrompt } = prompt
  const encoder = new TextEncoder()
  const digest = sha256
    .create()
    .update(hexToBytes(previousHead.slice(2)))
    .update(encoder.encode(canonicalJson(unsignedPrompt)))
    .update(encoder.encode(canonicalJson({ content: response.content, usage: response.usage })))
    .digest()
  return `0x${bytesToHex(digest)}`
}
