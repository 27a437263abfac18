import { type ChatMessage, ProtocolError } from '@fabstir/protocol'

/** A turn of the conversation with its size in the model's tokens. */
export type CountedMessage = ChatMessage & {
  /** Tokens of `content` in the model's tokenizer. */
  tokens: number
}

/** Options of {@link truncateContext}. */
export type TruncateContextOptions = {
  /** Most tokens the kept messages may add up to. */
  maxTokens: number
}

/** What {@link truncateContext} returns. */
export type TruncateContextReturnType = {
  /** The kept messages, in order. */
  messages: CountedMessage[]
  /** Their tokens in total. */
  tokens: number
  /** Whether any message was dropped. */
  truncated: boolean
}

/**
 * Fits a conversation into a token budget (PROTOCOL.md §7): drops the oldest turns first, always
 * keeps a leading `system` message and the last message (the new prompt), and never starts the
 * kept turns with an `assistant` reply whose prompt was dropped.
 *
 * @param messages - the conversation, oldest first, each with its token count.
 * @param options - the budget.
 * @returns the kept messages, their tokens, and whether anything was dropped.
 * @throws {ProtocolError} `CONTEXT_TOO_LARGE` when the system message and the last message alone
 *   exceed the budget.
 * @example
 * ```ts
 * import { truncateContext } from '@fabstir/host'
 *
 * const { messages, truncated } = truncateContext(conversation, { maxTokens: 2048 })
 * ```
 */
export function truncateContext(
  messages: readonly CountedMessage[],
  { maxTokens }: TruncateContextOptions,
): TruncateContextReturnType {
  let tokens = messages.reduce((sum, message) => sum + message.tokens, 0)
  if (tokens <= maxTokens) return { messages: [...messages], tokens, truncated: false }

  const system = messages[0]?.role === 'system' ? messages[0] : undefined
  const turns = messages.slice(system ? 1 : 0)
  // Drop from the front, keeping the last message; a reply whose prompt went goes with it.
  let first = 0
  while (first < turns.length - 1 && (tokens > maxTokens || turns[first]?.role === 'assistant')) {
    tokens -= turns[first]?.tokens ?? 0
    first += 1
  }
  if (tokens > maxTokens) {
    throw new ProtocolError('CONTEXT_TOO_LARGE', 'The prompt does not fit the model context', {
      details: `${tokens} tokens needed with the system message, ${maxTokens} available`,
    })
  }
  const kept = turns.slice(first)
  return { messages: system ? [system, ...kept] : kept, tokens, truncated: true }
}
