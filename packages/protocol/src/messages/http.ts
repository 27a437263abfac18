import * as v from 'valibot'
import type { ErrorCode } from '../errorCodes.js'
import { errorCodes } from '../errorCodes.js'
import * as p from '../internal/primitives.js'
import type { Address, ChatMessage, FinishReason, Hex, Permission, Usage } from './common.js'

/** `GET /health`. */
export type HealthResponse =
  | { status: 'ok'; version: string; uptime_s: number; active_sessions: number }
  | { status: 'unavailable'; reason: string }

/** `GET /v1/version`. */
export type VersionResponse = {
  version: string
  protocol: 'fabstir/1'
  features: string[]
  chain_ids: number[]
  host_address: Address
  ed25519_public_key: Hex
}

/** A model a host serves, with its prices per payment token. */
export type ModelInfo = {
  /** bytes32 model id: keccak256 of `"repo/file"`. */
  id: Hex
  /** `"repo/file"`. */
  name: string
  context_window: number
  /** `token` is `0x0` for the native token; `price_per_token` is a decimal string (PRICE_PRECISION 1000). */
  prices: { token: Address | '0x0'; price_per_token: string }[]
}

/** `GET /v1/models`. */
export type ModelsResponse = { models: ModelInfo[] }

/** `POST /v1/auth/challenge` request. */
export type AuthChallengeRequest = { job_id: string; chain_id: number; address: Address }
/** `POST /v1/auth/challenge` response: the client signs `message` with its wallet (EIP-191). */
export type AuthChallengeResponse = { nonce: string; message: string; expires_at: number }

/** `POST /v1/auth/token` request. */
export type AuthTokenRequest = {
  job_id: string
  chain_id: number
  address: Address
  nonce: string
  signature: Hex
  session_public_key: Hex
  permissions?: Permission[]
}
/** `POST /v1/auth/token` response. */
export type AuthTokenResponse = { token: string; expires_at: number; host_public_key: Hex }
/** `POST /v1/auth/refresh` response. */
export type AuthRefreshResponse = { token: string; expires_at: number }

/** `POST /v1/inference` request. */
export type InferenceRequest = {
  model: string
  prompt: string
  max_tokens: number
  temperature?: number
  conversation_context?: ChatMessage[]
  stream?: boolean
}
/** `POST /v1/inference` response, without streaming. */
export type InferenceResponse = { content: string; finish_reason: FinishReason; usage: Usage }

/** One server-sent event of `POST /v1/inference` with `stream: true`; `response` is the last. */
export type InferenceEvent =
  | { type: 'stream_chunk'; seq: number; content: string; tokens: number }
  | ({ type: 'response' } & InferenceResponse)
  | { type: 'error'; code: ErrorCode; message: string; retry_after_ms?: number }

/** Body of every HTTP error response. */
export type HttpErrorBody = {
  error: { code: ErrorCode; message: string; retry_after_ms?: number; details?: unknown }
}

/** The HTTP bodies of `fabstir/1`, by the name {@link decodeHttpBody} takes. */
export type HttpBodies = {
  health: HealthResponse
  version: VersionResponse
  models: ModelsResponse
  authChallengeRequest: AuthChallengeRequest
  authChallengeResponse: AuthChallengeResponse
  authTokenRequest: AuthTokenRequest
  authTokenResponse: AuthTokenResponse
  authRefreshResponse: AuthRefreshResponse
  inferenceRequest: InferenceRequest
  inferenceResponse: InferenceResponse
  inferenceEvent: InferenceEvent
  error: HttpErrorBody
}

/** The name of an HTTP body of `fabstir/1`. */
export type HttpBodyName = keyof HttpBodies

const inferenceResponse = {
  content: v.string(),
  finish_reason: p.finishReason,
  usage: p.usage,
}
const errorFields = {
  code: v.picklist(errorCodes),
  message: p.shortText,
  retry_after_ms: v.exactOptional(p.count),
}
const permissions = v.pipe(v.array(p.permission), v.maxLength(4))

/** @internal Schema of each HTTP body; unknown fields are kept. */
export const httpBodySchemas: {
  [name in HttpBodyName]: v.GenericSchema<unknown, HttpBodies[name]>
} = {
  health: v.variant('status', [
    v.looseObject({
      status: v.literal('ok'),
      version: p.shortText,
      uptime_s: p.count,
      active_sessions: p.count,
    }),
    v.looseObject({ status: v.literal('unavailable'), reason: p.shortText }),
  ]),
  version: v.looseObject({
    version: p.shortText,
    protocol: v.literal('fabstir/1'),
    features: v.pipe(v.array(p.shortText), v.maxLength(256)),
    chain_ids: v.pipe(v.array(p.chainId), v.maxLength(256)),
    host_address: p.address,
    ed25519_public_key: p.ed25519PublicKeyHex,
  }),
  models: v.looseObject({
    models: v.pipe(
      v.array(
        v.looseObject({
          id: p.bytes32Hex,
          name: p.modelName,
          context_window: p.positiveCount,
          prices: v.pipe(
            v.array(v.looseObject({ token: p.paymentToken, price_per_token: p.decimalAmount })),
            v.maxLength(256),
          ),
        }),
      ),
      v.maxLength(1024),
    ),
  }),
  authChallengeRequest: v.looseObject({
    job_id: p.decimalId,
    chain_id: p.chainId,
    address: p.address,
  }),
  authChallengeResponse: v.looseObject({
    nonce: p.requestId,
    message: p.shortText,
    expires_at: p.timestampMs,
  }),
  authTokenRequest: v.looseObject({
    job_id: p.decimalId,
    chain_id: p.chainId,
    address: p.address,
    nonce: p.requestId,
    signature: p.walletSignature,
    session_public_key: p.ed25519PublicKeyHex,
    permissions: v.exactOptional(permissions),
  }),
  authTokenResponse: v.looseObject({
    token: p.token,
    expires_at: p.timestampMs,
    host_public_key: p.ed25519PublicKeyHex,
  }),
  authRefreshResponse: v.looseObject({ token: p.token, expires_at: p.timestampMs }),
  inferenceRequest: v.looseObject({
    model: p.modelName,
    prompt: v.string(),
    max_tokens: p.positiveCount,
    temperature: v.exactOptional(p.temperature),
    conversation_context: v.exactOptional(p.conversationContext),
    stream: v.exactOptional(v.boolean()),
  }),
  inferenceResponse: v.looseObject(inferenceResponse),
  inferenceEvent: v.variant('type', [
    v.looseObject({
      type: v.literal('stream_chunk'),
      seq: p.count,
      content: v.string(),
      tokens: p.count,
    }),
    v.looseObject({ type: v.literal('response'), ...inferenceResponse }),
    v.looseObject({ type: v.literal('error'), ...errorFields }),
  ]),
  error: v.looseObject({
    error: v.looseObject({ ...errorFields, details: v.exactOptional(v.unknown()) }),
  }),
}
