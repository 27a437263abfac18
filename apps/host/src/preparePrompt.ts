import { ProtocolError } from '@fabstir/protocol'
import type { ModelBackend } from './backends/ModelBackend.js'
import { type CountedMessage, truncateContext } from './truncateContext.js'

/** Options of {@link preparePrompt}. */
export type PreparePromptOptions = {
  backend: ModelBackend
  /** The conversation so far, oldest first. */
  history: readonly CountedMessage[]
  /** The new user text. */
  content: string
  /** Tokens the client asked for at most. */
  maxTokens: number
}

/** What {@link preparePrompt} returns: the context to generate from. */
export type PreparePromptReturnType = {
  /** The truncated conversation, ending with the new prompt. */
  messages: CountedMessage[]
  /** Tokens of `messages`: the prompt tokens of the usage. */
  tokens: number
  truncated: boolean
  /** Tokens the reply may take: the request, capped by what the context window has left. */
  maxTokens: number
}

/**
 * Adds a prompt to a conversation and fits it into the model's context window. Up to half the
 * window is kept free for the reply (less if the client asks for fewer tokens), so a long history
 * cannot starve the answer and a large `max_tokens` cannot erase the history.
 *
 * @param options - backend, history, new text and requested reply length.
 * @throws {ProtocolError} `CONTEXT_TOO_LARGE` when the prompt (with the system message) leaves no
 *   room for a reply.
 */
export async function preparePrompt({
  backend,
  history,
  content,
  maxTokens,
}: PreparePromptOptions): Promise<PreparePromptReturnType> {
  const prompt: CountedMessage = {
    role: 'user',
    content,
    tokens: await backend.countTokens(content),
  }
  const window = backend.contextWindow
  const reserve = Math.min(maxTokens, Math.floor(window / 2))
  const fitted = truncateContext([...history, prompt], { maxTokens: window - reserve })
  const room = Math.min(maxTokens, window - fitted.tokens)
  if (room < 1) {
    throw new ProtocolError('CONTEXT_TOO_LARGE', 'The prompt leaves no room for a reply', {
      details: `context window of ${window} tokens`,
    })
  }
  return { ...fitted, maxTokens: room }
}

/**
 * Counts the tokens of each message of a conversation.
 *
 * @param backend - whose tokenizer counts.
 * @param messages - the conversation.
 */
export async function countMessages(
  backend: ModelBackend,
  messages: readonly { role: CountedMessage['role']; content: string }[],
): Promise<CountedMessage[]> {
  return Promise.all(
    messages.map(async ({ role, content }) => ({
      role,
      content,
      tokens: await backend.countTokens(content),
    })),
  )
}
