import type { FinishReason, Hex, Usage } from '@fabstir/protocol'
import { StreamError } from '../errors/stream.js'
import { utf8ByteLength } from '../internal/utf8.js'

/** A piece of the answer as it streams: the text of one `stream_chunk` and its token count. */
export type TextDeltaPart = {
  type: 'text-delta'
  /** New text, never text already delivered. */
  text: string
  /** Tokens the host counted for this text (0 for text only known from the final response). */
  tokens: number
}

/** A part of a {@link PromptStream}. */
export type PromptStreamPart = TextDeltaPart

/** The host's view of the conversation after a prompt (`response.context`). */
export type ResponseContext = { messages: number; tokens: number; truncated: boolean }

/** What a prompt's {@link PromptStream.result} resolves to. */
export type PromptResult = {
  /** The request id the prompt travelled with. */
  requestId: string
  /** The whole answer, as the host's final `response` carries it. */
  content: string
  finishReason: FinishReason
  /** The host's token counts; zeros for a prompt cancelled before any host answered it. */
  usage: Usage
  /** Transcript head after this prompt (PROTOCOL.md §8); `null` when no host answered it here. */
  transcriptHead: Hex | null
  /** The host's conversation after this prompt; `null` when no host answered it here. */
  context: ResponseContext | null
  /** Whether the answer came from the local response cache. */
  cached: boolean
}

/** @internal What feeds a {@link PromptStream}. */
export type PromptStreamController = {
  /** Whether the stream has settled (result resolved or rejected). */
  readonly settled: boolean
  push(part: PromptStreamPart): void
  finish(result: PromptResult): void
  fail(error: unknown, options?: { discardBuffered?: boolean }): void
}

/** @internal Options of a {@link PromptStream}. */
export type PromptStreamInit = {
  requestId: string
  /** Parts held for a slow consumer before text deltas are merged. */
  maxBufferedParts: number
  /**
   * UTF-8 bytes of text held for a slow consumer; past that the stream fails with
   * `RESPONSE_TOO_LARGE` (after the parts already buffered) and the prompt is cancelled.
   */
  maxBufferedBytes: number
  /** Called once by `cancel()` or a `break` out of `for await`, unless the stream has settled. */
  onCancel: () => void
}

type Waiter = {
  resolve: (result: IteratorResult<PromptStreamPart>) => void
  reject: (error: unknown) => void
}

/**
 * The answer to one prompt: an `AsyncIterable` of {@link PromptStreamPart}s, with the final
 * {@link PromptResult} as `.result`. Breaking out of `for await` cancels the prompt, as does
 * `.cancel()`; either way the host still answers with its final `response`
 * (`finishReason: 'cancelled'`) and `.result` resolves with it.
 *
 * Buffering: at most `maxBufferedParts` parts wait for a slow consumer; past that, new text is
 * merged into the last buffered `text-delta`, so nothing is dropped. The buffered text is bounded
 * too, by the manager's `maxResponseBytes` (UTF-8): a stream that would buffer more fails with
 * `StreamError` `RESPONSE_TOO_LARGE` after the parts already buffered, and the prompt is cancelled.
 * A stream can be iterated once.
 *
 * @example
 * ```ts
 * import { InferenceManager } from '@fabstir/inference'
 * import { webSocket } from '@fabstir/inference/node'
 *
 * const manager = new InferenceManager({ webSocket })
 * // ... connectToSession, initializeSession
 * const stream = manager.sendPrompt('1', 'Tell me a story')
 * for await (const part of stream) process.stdout.write(part.text)
 * const { usage, transcriptHead } = await stream.result
 * ```
 */
export class PromptStream implements AsyncIterable<PromptStreamPart> {
  /** The request id of the prompt. */
  readonly requestId: string
  /** Resolves with the final answer; rejects with a typed error, or `signal.reason` on abort. */
  readonly result: Promise<PromptResult>
  #buffer: PromptStreamPart[] = []
  /** UTF-8 bytes of the text in `#buffer`. */
  #bufferedBytes = 0
  #waiter: Waiter | undefined
  #producerDone = false
  #consumerDone = false
  #error: { value: unknown } | undefined
  #settled = false
  #iterated = false
  #cancelRequested = false
  #resolveResult!: (result: PromptResult) => void
  #rejectResult!: (error: unknown) => void
  readonly #maxBufferedParts: number
  readonly #maxBufferedBytes: number
  readonly #onCancel: () => void

  /** @internal Use `InferenceManager.sendPrompt`. */
  private constructor(init: PromptStreamInit) {
    this.requestId = init.requestId
    this.#maxBufferedParts = init.maxBufferedParts
    this.#maxBufferedBytes = init.maxBufferedBytes
    this.#onCancel = init.onCancel
    this.result = new Promise<PromptResult>((resolve, reject) => {
      this.#resolveResult = resolve
      this.#rejectResult = reject
    })
    // A caller that only iterates must not see an unhandled rejection; awaiting `.result` still throws.
    this.result.catch(() => {})
  }

  /** @internal Creates a stream and the controller that feeds it. */
  static create(init: PromptStreamInit): {
    stream: PromptStream
    controller: PromptStreamController
  } {
    const stream = new PromptStream(init)
    const controller: PromptStreamController = {
      get settled() {
        return stream.#settled
      },
      push: (part) => stream.#push(part),
      finish: (result) => stream.#finish(result),
      fail: (error, options) => stream.#fail(error, options?.discardBuffered ?? false),
    }
    return { stream, controller }
  }

  /** @internal A stream that is already complete, e.g. a cache hit. */
  static fromResult(result: PromptResult, tokens: number): PromptStream {
    const { stream, controller } = PromptStream.create({
      requestId: result.requestId,
      maxBufferedParts: 1,
      maxBufferedBytes: Number.POSITIVE_INFINITY,
      onCancel: () => {},
    })
    if (result.content) controller.push({ type: 'text-delta', text: result.content, tokens })
    controller.finish(result)
    return stream
  }

  /**
   * Asks the host to stop generating. The stream ends after the parts already received, and
   * `.result` resolves with the host's final response (`finishReason: 'cancelled'`). Does nothing
   * once the stream has settled.
   */
  cancel(): void {
    if (this.#settled || this.#cancelRequested) return
    this.#cancelRequested = true
    this.#onCancel()
  }

  /**
   * The parts as they arrive. One iteration per stream; `break` cancels the prompt.
   *
   * @throws {TypeError} when the stream is iterated a second time.
   */
  [Symbol.asyncIterator](): AsyncIterator<PromptStreamPart> {
    if (this.#iterated) throw new TypeError('A PromptStream can be iterated only once')
    this.#iterated = true
    return {
      next: () => this.#next(),
      return: async () => {
        if (!this.#producerDone) this.cancel()
        this.#consumerDone = true
        this.#buffer = []
        this.#bufferedBytes = 0
        this.#error = undefined
        return { done: true, value: undefined }
      },
    }
  }

  /**
   * A `ReadableStream` of the same parts, for web frameworks (`new Response(stream)` needs bytes:
   * pipe it through a `TransformStream` that picks `part.text`). Cancelling it cancels the prompt.
   *
   * @example
   * ```ts
   * const readable = manager.sendPrompt('1', 'Hello').toReadableStream()
   * for await (const part of readable) console.log(part.text)
   * ```
   */
  toReadableStream(): ReadableStream<PromptStreamPart> {
    const iterator = this[Symbol.asyncIterator]()
    return new ReadableStream<PromptStreamPart>(
      {
        pull: async (controller) => {
          const next = await iterator.next()
          if (next.done) controller.close()
          else controller.enqueue(next.value)
        },
        cancel: async () => {
          await iterator.return?.()
        },
      },
      { highWaterMark: 0 },
    )
  }

  #next(): Promise<IteratorResult<PromptStreamPart>> {
    const part = this.#buffer.shift()
    if (part !== undefined) {
      this.#bufferedBytes -= utf8ByteLength(part.text)
      return Promise.resolve({ done: false, value: part })
    }
    if (this.#error !== undefined) {
      const { value } = this.#error
      this.#error = undefined
      this.#consumerDone = true
      return Promise.reject(value)
    }
    if (this.#producerDone || this.#consumerDone) {
      this.#consumerDone = true
      return Promise.resolve({ done: true, value: undefined })
    }
    return new Promise((resolve, reject) => {
      this.#waiter = { resolve, reject }
    })
  }

  #push(part: PromptStreamPart): void {
    if (this.#producerDone || this.#consumerDone) return
    const waiter = this.#waiter
    if (waiter !== undefined) {
      this.#waiter = undefined
      waiter.resolve({ done: false, value: part })
      return
    }
    const bytes = utf8ByteLength(part.text)
    if (this.#bufferedBytes + bytes > this.#maxBufferedBytes) {
      this.#fail(
        new StreamError(
          'RESPONSE_TOO_LARGE',
          `The text buffered for a slow consumer exceeded maxResponseBytes (${this.#maxBufferedBytes} bytes)`,
          { requestId: this.requestId },
        ),
        false,
      )
      if (!this.#cancelRequested) {
        this.#cancelRequested = true
        this.#onCancel()
      }
      return
    }
    this.#bufferedBytes += bytes
    const last = this.#buffer.at(-1)
    if (this.#buffer.length >= this.#maxBufferedParts && last !== undefined) {
      last.text += part.text
      last.tokens += part.tokens
      return
    }
    this.#buffer.push({ ...part })
  }

  #finish(result: PromptResult): void {
    if (this.#settled) return
    this.#settled = true
    this.#producerDone = true
    this.#resolveResult(result)
    const waiter = this.#waiter
    if (waiter !== undefined) {
      this.#waiter = undefined
      this.#consumerDone = true
      waiter.resolve({ done: true, value: undefined })
    }
  }

  #fail(error: unknown, discardBuffered: boolean): void {
    if (this.#settled) return
    this.#settled = true
    this.#producerDone = true
    this.#rejectResult(error)
    if (this.#consumerDone) return
    if (discardBuffered) {
      this.#buffer = []
      this.#bufferedBytes = 0
    }
    const waiter = this.#waiter
    if (waiter !== undefined) {
      this.#waiter = undefined
      this.#consumerDone = true
      waiter.reject(error)
      return
    }
    this.#error = { value: error }
  }
}
