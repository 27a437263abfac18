import { createParser, type ParseError } from 'eventsource-parser'
import { BackendError } from '../BackendError.js'

/** Options of {@link readEventData}. */
export type ReadEventDataOptions = {
  /**
   * Most characters of one unfinished line or event held while waiting for its end; a longer
   * one fails with `BACKEND_BAD_RESPONSE` and the stream is cancelled.
   */
  maxBufferedChars: number
  /** Context line for errors, e.g. the backend's URL without credentials. */
  origin: string
}

/**
 * Reads a server-sent events body and yields the `data` of each event, in order. Parsing is
 * eventsource-parser's (the WHATWG rules: `\n`, `\r` or `\r\n` line ends, multi-line data,
 * comments and unknown fields ignored); its `maxBufferSize` bounds memory against a server that
 * never ends a line.
 *
 * @param body - the response body.
 * @param options - the buffer limit and the context for errors.
 * @returns the data of every event, as the server sent it.
 * @throws {BackendError} `BACKEND_BAD_RESPONSE` when a line or event outgrows `maxBufferedChars`.
 *   Read errors of the body (a dropped connection, an abort) propagate as they are.
 */
export async function* readEventData(
  body: ReadableStream<Uint8Array>,
  { maxBufferedChars, origin }: ReadEventDataOptions,
): AsyncGenerator<string> {
  const pending: string[] = []
  let overflow: ParseError | undefined
  const parser = createParser({
    onEvent: (event) => pending.push(event.data),
    onError: (error) => {
      if (error.type === 'max-buffer-size-exceeded') overflow = error
    },
    maxBufferSize: maxBufferedChars,
  })
  const decoder = new TextDecoder()
  const reader = body.getReader()
  try {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) return
      parser.feed(decoder.decode(value, { stream: true }))
      // One chunk's events at most are queued: the chunk is bounded by the transport.
      while (pending.length > 0) yield pending.shift() as string
      if (overflow) {
        throw new BackendError('BACKEND_BAD_RESPONSE', 'The backend sent an over-long line', {
          cause: overflow,
          metaMessages: [`Backend: ${origin}`, `Limit: ${maxBufferedChars} characters`],
        })
      }
    }
  } finally {
    // Closes the connection when the caller stops early or the stream failed.
    await reader.cancel().catch(() => {})
  }
}
