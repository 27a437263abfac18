import type { ChatMessage } from '@fabstir/protocol'

/** Options of one generation. */
export type GenerateOptions = {
  /** Stop after this many tokens (finish reason `length`). */
  maxTokens: number
  /** 0 is deterministic (greedy); higher samples more freely. */
  temperature: number
  /** Stops generation; the iterator then ends early without throwing. */
  signal?: AbortSignal
}

/**
 * A language model the host serves. Every backend (the embedded model, an OpenAI-compatible
 * server, node-llama-cpp) implements this, and the host knows nothing else about it.
 */
export interface ModelBackend {
  /** The model's name as `"repo/file"`; its on-chain id is keccak256 of it. */
  readonly name: string
  /** Largest context in the model's own tokens. */
  readonly contextWindow: number
  /**
   * Streams the assistant's reply to `messages`, one token's text per item. Ends when the model
   * stops, after `maxTokens` tokens, or when `signal` aborts.
   */
  generate(messages: readonly ChatMessage[], options: GenerateOptions): AsyncIterable<string>
  /** Tokens `text` takes in the model's own tokenizer. */
  countTokens(text: string): Promise<number>
  /** Releases what the backend holds (connections, a loaded model). */
  close?(): Promise<void>
}
