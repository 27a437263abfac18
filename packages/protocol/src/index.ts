export {
  type AbortOptions,
  assertTimeoutMs,
  deadlineSignal,
  isAbortError,
  raceSignal,
  timeoutReason,
} from './abort.js'
export { canonicalJson, signingBytes } from './canonicalJson.js'
export {
  compressFrame,
  compressionCodes,
  type DecompressFrameOptions,
  decompressFrame,
  negotiateCompression,
  supportedCompression,
} from './compression.js'
export {
  type DecodeOptions,
  decodeClientMessage,
  decodeHostMessage,
  decodeHttpBody,
  type WireData,
} from './decode.js'
export { type EncodeOptions, encodeMessage } from './encode.js'
export { type ErrorCode, errorCodes, httpStatusForCode, isErrorCode } from './errorCodes.js'
export { FabstirError, type FabstirErrorOptions } from './errors/FabstirError.js'
export { ProtocolError, type ProtocolErrorOptions } from './errors/ProtocolError.js'
export { compressionThresholdBytes, defaultMaxMessageBytes, protocolVersion } from './limits.js'
export type {
  CancelMessage,
  ClientMessage,
  ClientMessageBase,
  ClientMessageType,
  PingMessage,
  PromptMessage,
  SessionEndMessage,
  SessionInitMessage,
  SessionResumeMessage,
} from './messages/client.js'
export type {
  Address,
  ChatMessage,
  CompressionName,
  FinishReason,
  Hex,
  Permission,
  Usage,
} from './messages/common.js'
export type {
  CheckpointMessage,
  ErrorMessage,
  HostMessage,
  HostMessageType,
  PongMessage,
  ResponseMessage,
  SessionClosedMessage,
  SessionLimits,
  SessionReadyMessage,
  StreamChunkMessage,
  TokenExpiringMessage,
} from './messages/host.js'
export type {
  AuthChallengeRequest,
  AuthChallengeResponse,
  AuthRefreshResponse,
  AuthTokenRequest,
  AuthTokenResponse,
  HealthResponse,
  HttpBodies,
  HttpBodyName,
  HttpErrorBody,
  InferenceEvent,
  InferenceRequest,
  InferenceResponse,
  ModelInfo,
  ModelsResponse,
  VersionResponse,
} from './messages/http.js'
export { nextTranscriptHead, type TranscriptResponse, transcriptGenesis } from './transcript.js'
