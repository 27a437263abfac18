import { EventEmitter } from 'node:events'
import type { ChatMessage } from '@fabstir/protocol'
import type { GenerateOptions, ModelBackend } from '../src/backends/ModelBackend.js'

/** Options of {@link createScriptedBackend}. */
export type ScriptedBackendOptions = {
  /** @default 'scripted/model.bin' */
  name?: string
  /** @default 4096 */
  contextWindow?: number
  /** The tokens of every reply, or a function of the conversation. @default ['Hello', ',', ' world'] */
  tokens?: readonly string[] | ((messages: readonly ChatMessage[]) => readonly string[])
  /** Before yielding the token at this index, wait until `release()` or the abort. */
  holdAt?: number
  /** Throw instead of yielding the token at this index. */
  failAt?: number
  /** Throw from `countTokens`. */
  failCountTokens?: boolean
}

/** One call of `generate`, as the scripted backend saw it. */
export type ScriptedCall = { messages: ChatMessage[]; options: GenerateOptions }

/**
 * A STUB at the `ModelBackend` interface for the host's tests: it replies with scripted tokens,
 * can hold a reply until released, fail on cue, and reports starts and aborts as events. Tokens
 * are counted as whitespace-separated words. The real backends live in `src/backends/`.
 */
export type ScriptedBackend = ModelBackend & {
  /** Every `generate` call so far. */
  readonly calls: ScriptedCall[]
  /** Emits `generate` (call), `abort` (call) and `end` (call). */
  readonly events: EventEmitter
  /** Lets every held reply continue, and later ones no longer hold. */
  release(): void
}

/** Creates a {@link ScriptedBackend} stub. */
export function createScriptedBackend({
  name = 'scripted/model.bin',
  contextWindow = 4096,
  tokens = ['Hello', ',', ' world'],
  holdAt,
  failAt,
  failCountTokens = false,
}: ScriptedBackendOptions = {}): ScriptedBackend {
  const calls: ScriptedCall[] = []
  const events = new EventEmitter()
  let releases: (() => void)[] = []
  let released = false

  async function* generate(
    messages: readonly ChatMessage[],
    options: GenerateOptions,
  ): AsyncGenerator<string> {
    const call: ScriptedCall = { messages: messages.map((message) => ({ ...message })), options }
    calls.push(call)
    events.emit('generate', call)
    const { signal } = options
    signal?.addEventListener('abort', () => events.emit('abort', call), { once: true })
    const script = typeof tokens === 'function' ? tokens(messages) : tokens
    try {
      for (const [index, token] of script.entries()) {
        if (index === holdAt && !released) {
          await new Promise<void>((resolve) => {
            releases.push(resolve)
            signal?.addEventListener('abort', () => resolve(), { once: true })
          })
        }
        if (signal?.aborted) return
        if (index === failAt) throw new Error('scripted backend failure')
        yield token
        await new Promise((resolve) => setImmediate(resolve))
      }
    } finally {
      events.emit('end', call)
    }
  }

  return {
    name,
    contextWindow,
    calls,
    events,
    generate,
    countTokens: async (text) => {
      if (failCountTokens) throw new Error('scripted tokenizer failure')
      return text.split(/\s+/).filter(Boolean).length
    },
    release() {
      released = true
      const waiting = releases
      releases = []
      for (const resolve of waiting) resolve()
    },
  }
}
