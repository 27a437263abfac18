import type { ErrorCode } from '../errorCodes.js'
import type { ErrorMessage } from '../messages/host.js'
import { FabstirError, type FabstirErrorOptions } from './FabstirError.js'

/** Options of a {@link ProtocolError}: the base options plus where the bad message belongs. */
export type ProtocolErrorOptions = FabstirErrorOptions & {
  /** Session of the offending message, when it could be read. */
  sessionId?: string
  /** Request of the offending message, when it could be read. */
  requestId?: string
  /** How long the peer should wait before it tries again. */
  retryAfterMs?: number
}

/**
 * A message broke `fabstir/1`: it could not be decoded, was too large, or a peer answered with an
 * `error`. `code` is one of the protocol's {@link ErrorCode}s, so a host can send it back as is.
 *
 * @example
 * ```ts
 * import { ProtocolError, decodeClientMessage } from '@fabstir/protocol'
 *
 * try {
 *   decodeClientMessage(frame)
 * } catch (error) {
 *   if (ProtocolError.isInstance(error)) socket.send(JSON.stringify(error.toErrorMessage()))
 * }
 * ```
 */
export class ProtocolError extends FabstirError<ErrorCode> {
  override name = 'ProtocolError'
  readonly sessionId: string | undefined
  readonly requestId: string | undefined
  readonly retryAfterMs: number | undefined

  constructor(code: ErrorCode, shortMessage: string, options: ProtocolErrorOptions = {}) {
    super(code, shortMessage, options)
    this.sessionId = options.sessionId
    this.requestId = options.requestId
    this.retryAfterMs = options.retryAfterMs
  }

  /**
   * The `error` message a host sends for this error.
   *
   * @param options.fatal - whether the host closes the socket next. @default false
   */
  toErrorMessage({ fatal = false }: { fatal?: boolean } = {}): ErrorMessage {
    return {
      type: 'error',
      ...(this.sessionId === undefined ? {} : { session_id: this.sessionId }),
      ...(this.requestId === undefined ? {} : { request_id: this.requestId }),
      code: this.code,
      message: this.details ? `${this.shortMessage}: ${this.details}` : this.shortMessage,
      ...(this.retryAfterMs === undefined ? {} : { retry_after_ms: this.retryAfterMs }),
      fatal,
    }
  }

  /**
   * Recognises a {@link ProtocolError}, also one from another copy of the package.
   *
   * @param value - anything caught.
   */
  static override isInstance(value: unknown): value is ProtocolError {
    return FabstirError.isInstance(value) && value.name === 'ProtocolError'
  }
}
