/** A turn of the conversation, as the host keeps it and `session_resume` carries it. */
export type ChatMessage = {
  role: 'system' | 'user' | 'assistant'
  content: string
}

/** Tokens counted by the host's tokenizer for one prompt or a whole session. */
export type Usage = {
  prompt_tokens: number
  completion_tokens: number
  total_tokens: number
}

/** Why generation stopped. */
export type FinishReason = 'stop' | 'length' | 'cancelled' | 'error'

/** What a session token allows (PROTOCOL.md §3). */
export type Permission = 'inference' | 'resume' | 'export' | 'admin'

/** Compression a message may travel with (PROTOCOL.md §6). */
export type CompressionName = 'gzip' | 'deflate-raw'

/** `0x`-prefixed hex string; the same as viem's `Hex`. */
export type Hex = `0x${string}`

/** A 20-byte account address as `0x` and 40 hex digits; the same as viem's `Address`. */
export type Address = `0x${string}`
