import * as v from 'valibot'
import * as p from '../internal/primitives.js'
import type { ChatMessage } from './common.js'

/** Fields every client → host message carries (PROTOCOL.md §4). */
export interface ClientMessageBase {
  /** The decimal on-chain job id. */
  session_id: string
  /** 1 for the first message of the session, +1 per message, across reconnects. */
  message_index: number
  /** Milliseconds since the epoch, when sent. */
  ts: number
  /** Ed25519 signature (base64url, no padding) over the canonical message without `sig`. */
  sig?: string
}

/** First message on a new socket: starts an empty conversation. */
export interface SessionInitMessage extends ClientMessageBase {
  type: 'session_init'
  token: string
  job_id: string
  chain_id: number
  model: string
  /** Compression the client accepts, in its order of preference. */
  compression?: string[]
  /** Whether both sides sign their messages. */
  signing?: boolean
}

/** First message on a socket that continues a conversation (reconnect or a new host). */
export interface SessionResumeMessage extends ClientMessageBase {
  type: 'session_resume'
  token: string
  job_id: string
  chain_id: number
  model: string
  conversation_context: ChatMessage[]
  /** The last `message_index` the client sent before this socket. */
  last_message_index: number
  compression?: string[]
  signing?: boolean
}

/** New user text; the host holds the context. */
export interface PromptMessage extends ClientMessageBase {
  type: 'prompt'
  request_id: string
  content: string
  max_tokens?: number
  temperature?: number
}

/** Stops generation of a prompt; the host still answers with its final `response`. */
export interface CancelMessage extends ClientMessageBase {
  type: 'cancel'
  request_id: string
}

/** Ends the session: the host flushes, answers `session_closed` and closes. */
export interface SessionEndMessage extends ClientMessageBase {
  type: 'session_end'
}

/** Liveness check, answered by `pong`. */
export interface PingMessage extends ClientMessageBase {
  type: 'ping'
}

/** Any client → host WebSocket message. */
export type ClientMessage =
  | SessionInitMessage
  | SessionResumeMessage
  | PromptMessage
  | CancelMessage
  | SessionEndMessage
  | PingMessage

/** The `type`s a client sends. */
export type ClientMessageType = ClientMessage['type']

const base = {
  session_id: p.decimalId,
  message_index: p.positiveCount,
  ts: p.timestampMs,
  sig: v.exactOptional(p.ed25519Signature),
}

const sessionStart = {
  ...base,
  token: p.token,
  job_id: p.decimalId,
  chain_id: p.chainId,
  model: p.modelName,
  compression: v.exactOptional(p.compressionOffer),
  signing: v.exactOptional(v.boolean()),
}

/**
 * @internal Schema of each client message by `type`. Objects are loose: unknown fields are kept,
 * so a signature over them still verifies.
 */
export const clientMessageSchemas: {
  [type in ClientMessageType]: v.GenericSchema<unknown, Extract<ClientMessage, { type: type }>>
} = {
  session_init: v.looseObject({ ...sessionStart, type: v.literal('session_init') }),
  session_resume: v.looseObject({
    ...sessionStart,
    type: v.literal('session_resume'),
    conversation_context: p.conversationContext,
    last_message_index: p.count,
  }),
  prompt: v.looseObject({
    ...base,
    type: v.literal('prompt'),
    request_id: p.requestId,
    content: v.string(),
    max_tokens: v.exactOptional(p.positiveCount),
    temperature: v.exactOptional(p.temperature),
  }),
  cancel: v.looseObject({ ...base, type: v.literal('cancel'), request_id: p.requestId }),
  session_end: v.looseObject({ ...base, type: v.literal('session_end') }),
  ping: v.looseObject({ ...base, type: v.literal('ping') }),
}
