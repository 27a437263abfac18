import type { ChatMessage, FinishReason } from '@fabstir/protocol'
import type { ModelBackend } from './backends/ModelBackend.js'

/** Options of {@link generateReply}. */
export type GenerateReplyOptions = {
  backend: ModelBackend
  /** The (already truncated) conversation, ending with the new prompt. */
  messages: readonly ChatMessage[]
  maxTokens: number
  temperature: number
  /** Cancels generation; the reply then ends with `finishReason: 'cancelled'`. */
  signal: AbortSignal
  /**
   * Called with each token as it arrives; generation waits for a returned promise, which is how a
   * slow reader holds the model back instead of filling memory.
   */
  onToken?: (token: string, index: number) => void | Promise<void>
}

/** What {@link generateReply} returns. */
export type GenerateReplyReturnType = {
  /** The text produced, also when generation stopped early. */
  content: string
  /** Tokens produced (one per item the backend yielded). */
  completionTokens: number
  finishReason: FinishReason
  /** What the backend threw, when `finishReason` is `'error'`. */
  error?: unknown
}

/**
 * Runs one generation on a backend and settles it: never throws, so the caller can always send
 * the final response the protocol requires, with the tokens actually produced.
 *
 * @param options - backend, messages, limits, signal and a token callback.
 * @returns the content, the token count and why generation stopped: `cancelled` once `signal`
 *   aborts, `error` if the backend (or `onToken`) threw, `length` at `maxTokens`, else `stop`.
 */
export async function generateReply({
  backend,
  messages,
  maxTokens,
  temperature,
  signal,
  onToken,
}: GenerateReplyOptions): Promise<GenerateReplyReturnType> {
  let content = ''
  let completionTokens = 0
  try {
    for await (const token of backend.generate(messages, { maxTokens, temperature, signal })) {
      // A backend may yield after the abort; what it yields then was never asked for.
      if (signal.aborted) break
      content += token
      completionTokens += 1
      await onToken?.(token, completionTokens - 1)
      if (completionTokens >= maxTokens) break
    }
  } catch (error) {
    if (signal.aborted) return { content, completionTokens, finishReason: 'cancelled' }
    return { content, completionTokens, finishReason: 'error', error }
  }
  const finishReason: FinishReason = signal.aborted
    ? 'cancelled'
    : completionTokens >= maxTokens
      ? 'length'
      : 'stop'
  return { content, completionTokens, finishReason }
}
