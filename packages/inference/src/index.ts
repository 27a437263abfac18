// The public surface of @fabstir/inference (Node's WebSocket lives in `@fabstir/inference/node`).
export { isAbortError } from '@fabstir/protocol'
export {
  ConnectionError,
  type ConnectionErrorCode,
  type ConnectionErrorOptions,
} from './errors/connection.js'
export { HostError, type HostErrorOptions } from './errors/host.js'
export { HttpError, type HttpErrorCode, type HttpErrorOptions } from './errors/http.js'
export { SessionError, type SessionErrorCode, type SessionErrorOptions } from './errors/session.js'
export { SigningError, type SigningErrorCode, type SigningErrorOptions } from './errors/signing.js'
export { StreamError, type StreamErrorCode, type StreamErrorOptions } from './errors/stream.js'
export {
  type ConnectToSessionOptions,
  type EndSessionReturnType,
  type HostAuthentication,
  InferenceManager,
  type InferenceManagerComponents,
  type InferenceManagerEvents,
  type InferenceManagerInit,
  type InferenceManagerOptions,
  type InitializeSessionOptions,
  type PipelinedPrompt,
  type SendPromptOptions,
  type SessionAuthOptions,
} from './InferenceManager.js'
export {
  LLMNodeClient,
  type LLMNodeClientComponents,
  type LLMNodeClientOptions,
  type StreamInferenceEvent,
} from './LLMNodeClient.js'
export type { RefreshTokenCallback, SessionState } from './session/SessionConnection.js'
export type {
  WebSocketConstructor,
  WebSocketEventHandler,
  WebSocketLike,
} from './session/webSocket.js'
export {
  type PromptResult,
  PromptStream,
  type PromptStreamPart,
  type ResponseContext,
  type TextDeltaPart,
} from './stream/PromptStream.js'
export {
  type AddEventListenerOptionsLike,
  type EventListenerOptionsLike,
  type TypedEventListener,
  type TypedEventListenerObject,
  TypedEventTarget,
} from './TypedEventTarget.js'
