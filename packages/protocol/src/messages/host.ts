import * as v from 'valibot'
import type { ErrorCode } from '../errorCodes.js'
import { errorCodes } from '../errorCodes.js'
import * as p from '../internal/primitives.js'
import type { CompressionName, FinishReason, Hex, Usage } from './common.js'

/** Limits the host enforces for a session, announced in `session_ready`. */
export type SessionLimits = {
  /** Largest message it accepts, in bytes after decompression. */
  max_message_bytes: number
  prompts_per_minute: number
  /** Context window it truncates the conversation to, in its tokenizer's tokens. */
  max_context_tokens: number
}

/** The session is open (new or resumed) and prompts may follow. */
export interface SessionReadyMessage {
  type: 'session_ready'
  session_id: string
  resumed: boolean
  context_messages: number
  context_tokens: number
  limits: SessionLimits
  /** The compression the host chose from the client's offer, or `null` for none. */
  compression: CompressionName | null
  signing: boolean
  /** The host's Ed25519 identity key, which signs `response` and `checkpoint`. */
  host_public_key: Hex
}

/** Part of a response. `seq` starts at 0 per request and has no gaps. */
export interface StreamChunkMessage {
  type: 'stream_chunk'
  session_id: string
  request_id: string
  seq: number
  content: string
  tokens: number
}

/** The final message of every prompt, also after cancel or error. */
export interface ResponseMessage {
  type: 'response'
  session_id: string
  request_id: string
  /** Echoes the prompt's `message_index`. */
  message_index: number
  content: string
  finish_reason: FinishReason
  usage: Usage
  context: { messages: number; tokens: number; truncated: boolean }
  /** Head of the transcript hash chain after this prompt (PROTOCOL.md §8). */
  transcript_head: Hex
  /** The host's Ed25519 signature over the canonical message without `sig`. */
  sig?: string
}

/** The host submitted a proof of work on chain. */
export interface CheckpointMessage {
  type: 'checkpoint'
  session_id: string
  index: number
  tokens_claimed: number
  cumulative_tokens: number
  proof_hash: Hex
  tx_hash: Hex
  sig?: string
}

/** The session token expires soon; the client should refresh it. */
export interface TokenExpiringMessage {
  type: 'token_expiring'
  session_id?: string
  /** Milliseconds since the epoch. */
  expires_at: number
}

/** The session ended; the socket closes next. */
export interface SessionClosedMessage {
  type: 'session_closed'
  session_id?: string
  usage: Usage
}

/** Answer to `ping`. */
export interface PongMessage {
  type: 'pong'
  session_id?: string
}

/** Something went wrong; with `fatal: true` the host closes the socket next. */
export interface ErrorMessage {
  type: 'error'
  session_id?: string
  request_id?: string
  code: ErrorCode
  message: string
  retry_after_ms?: number
  fatal: boolean
}

/** Any host → client WebSocket message. */
export type HostMessage =
  | SessionReadyMessage
  | StreamChunkMessage
  | ResponseMessage
  | CheckpointMessage
  | TokenExpiringMessage
  | SessionClosedMessage
  | PongMessage
  | ErrorMessage

/** The `type`s a host sends. */
export type HostMessageType = HostMessage['type']

const sessionId = { session_id: p.decimalId }
const optionalSessionId = { session_id: v.exactOptional(p.decimalId) }

/** @internal Schema of each host message by `type`; unknown fields are kept. */
export const hostMessageSchemas: {
  [type in HostMessageType]: v.GenericSchema<unknown, Extract<HostMessage, { type: type }>>
} = {
  session_ready: v.looseObject({
    ...sessionId,
    type: v.literal('session_ready'),
    resumed: v.boolean(),
    context_messages: p.count,
    context_tokens: p.count,
    limits: v.looseObject({
      max_message_bytes: p.positiveCount,
      prompts_per_minute: p.positiveCount,
      max_context_tokens: p.positiveCount,
    }),
    compression: v.nullable(v.picklist(['gzip', 'deflate-raw'])),
    signing: v.boolean(),
    host_public_key: p.ed25519PublicKeyHex,
  }),
  stream_chunk: v.looseObject({
    ...sessionId,
    type: v.literal('stream_chunk'),
    request_id: p.requestId,
    seq: p.count,
    content: v.string(),
    tokens: p.count,
  }),
  response: v.looseObject({
    ...sessionId,
    type: v.literal('response'),
    request_id: p.requestId,
    message_index: p.positiveCount,
    content: v.string(),
    finish_reason: p.finishReason,
    usage: p.usage,
    context: v.looseObject({ messages: p.count, tokens: p.count, truncated: v.boolean() }),
    transcript_head: p.bytes32Hex,
    sig: v.exactOptional(p.ed25519Signature),
  }),
  checkpoint: v.looseObject({
    ...sessionId,
    type: v.literal('checkpoint'),
    index: p.count,
    tokens_claimed: p.count,
    cumulative_tokens: p.count,
    proof_hash: p.bytes32Hex,
    tx_hash: p.bytes32Hex,
    sig: v.exactOptional(p.ed25519Signature),
  }),
  token_expiring: v.looseObject({
    ...optionalSessionId,
    type: v.literal('token_expiring'),
    expires_at: p.timestampMs,
  }),
  session_closed: v.looseObject({
    ...optionalSessionId,
    type: v.literal('session_closed'),
    usage: p.usage,
  }),
  pong: v.looseObject({ ...optionalSessionId, type: v.literal('pong') }),
  error: v.looseObject({
    ...optionalSessionId,
    type: v.literal('error'),
    request_id: v.exactOptional(p.requestId),
    code: v.picklist(errorCodes),
    message: p.shortText,
    retry_after_ms: v.exactOptional(p.count),
    fatal: v.boolean(),
  }),
}
