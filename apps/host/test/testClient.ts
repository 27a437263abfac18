import { once } from 'node:events'
import { type SessionKey, signMessage } from '@fabstir/auth'
import {
  type ClientMessage,
  type CompressionName,
  decodeHostMessage,
  encodeMessage,
  type HostMessage,
} from '@fabstir/protocol'
import WebSocket from 'ws'

type Outgoing<message> = message extends ClientMessage
  ? Omit<message, 'session_id' | 'message_index' | 'ts'> &
      Partial<Pick<message, 'session_id' | 'message_index' | 'ts'>>
  : never

/**
 * A real `ws` client for the host's tests: numbers and stamps what it sends, decodes (and so
 * validates) every frame it receives, and lets a test wait for messages in order.
 */
export class TestClient {
  readonly socket: WebSocket
  readonly sessionId: string
  /** Every message received, in order, and whether it came as a binary frame. */
  readonly received: { message: HostMessage; binary: boolean }[] = []
  /** `message_index` of the last message sent. */
  messageIndex: number
  compression: CompressionName | null = null
  readonly closed: Promise<{ code: number; reason: string }>
  #read = 0
  #wake: (() => void) | undefined
  #failure: unknown

  private constructor(socket: WebSocket, sessionId: string, messageIndex: number) {
    this.socket = socket
    this.sessionId = sessionId
    this.messageIndex = messageIndex
    this.closed = new Promise((resolve) => {
      socket.on('close', (code, reason) => {
        resolve({ code, reason: reason.toString() })
        this.#wake?.()
      })
    })
    socket.on('message', (data, isBinary) => {
      try {
        const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as Buffer)
        const message = decodeHostMessage(bytes, { frame: isBinary ? 'binary' : 'text' })
        this.received.push({ message, binary: isBinary })
      } catch (error) {
        this.#failure = error
      }
      this.#wake?.()
    })
  }

  /** Connects to a host's `/v1/session`. */
  static async connect(
    url: string,
    { sessionId = '42', messageIndex = 0 }: { sessionId?: string; messageIndex?: number } = {},
  ): Promise<TestClient> {
    const socket = new WebSocket(`${url.replace(/^http/, 'ws')}/v1/session`)
    socket.on('error', () => {}) // surfaced as `closed`
    await once(socket, 'open')
    return new TestClient(socket, sessionId, messageIndex)
  }

  /** Sends a message with the next `message_index`, `ts` now and this client's session id. */
  send<message extends ClientMessage>(message: Outgoing<message>): message {
    const full = {
      session_id: this.sessionId,
      message_index: this.messageIndex + 1,
      ts: Date.now(),
      ...message,
    } as unknown as message
    this.messageIndex = full.message_index
    this.socket.send(encodeMessage(full, { compression: this.compression }))
    return full
  }

  /**
   * Like {@link send}, but signs the message with `key` (PROTOCOL.md §5) first.
   *
   * @returns the message as sent, with `sig`.
   */
  async sendSigned<message extends ClientMessage>(
    message: Outgoing<message>,
    key: SessionKey,
  ): Promise<message> {
    const full = {
      session_id: this.sessionId,
      message_index: this.messageIndex + 1,
      ts: Date.now(),
      ...message,
    } as unknown as message
    this.messageIndex = full.message_index
    const signed = (await signMessage(full, key)) as unknown as message
    this.socket.send(encodeMessage(signed, { compression: this.compression }))
    return signed
  }

  /** Sends a raw frame as is. */
  sendRaw(frame: string | Uint8Array, binary = typeof frame !== 'string'): void {
    this.socket.send(frame, { binary })
  }

  /** The next message not yet read (waits for it); rejects if the socket closes first. */
  async next(): Promise<HostMessage> {
    for (;;) {
      if (this.#failure !== undefined) throw this.#failure
      const entry = this.received[this.#read]
      if (entry !== undefined) {
        this.#read += 1
        return entry.message
      }
      if (this.socket.readyState >= WebSocket.CLOSING) {
        throw new Error('The socket closed before the next message')
      }
      await new Promise<void>((resolve) => {
        this.#wake = resolve
      })
    }
  }

  /**
   * Reads messages until one of `type` arrives; returns it and those read before it. An `error`
   * on the way rejects (unless `type` is `error`).
   */
  async until<type extends HostMessage['type']>(
    type: type,
  ): Promise<{ message: Extract<HostMessage, { type: type }>; before: HostMessage[] }> {
    const before: HostMessage[] = []
    for (;;) {
      const message = await this.next()
      if (message.type === type) {
        return { message: message as Extract<HostMessage, { type: type }>, before }
      }
      if (message.type === 'error')
        throw new Error(`Unexpected error ${message.code}: ${message.message}`)
      before.push(message)
    }
  }

  /** Opens a session with `session_init` and reads the `session_ready`. */
  async init(
    fields: Partial<Outgoing<Extract<ClientMessage, { type: 'session_init' }>>> = {},
  ): Promise<Extract<HostMessage, { type: 'session_ready' }>> {
    this.send({
      type: 'session_init',
      token: 'no-auth',
      job_id: this.sessionId,
      chain_id: 31337,
      model: 'scripted/model.bin',
      ...fields,
    })
    const { message } = await this.until('session_ready')
    this.compression = message.compression
    return message
  }

  close(): void {
    this.socket.terminate()
  }
}
