export {
  createDevelopmentJobVerifier,
  developmentJobVerifierWarning,
} from './auth/createDevelopmentJobVerifier.js'
export { developmentHostAddress } from './auth/developmentHostAddress.js'
export type { JobVerifier, VerifyJobOptions, VerifyJobParameters } from './auth/JobVerifier.js'
export { BackendError } from './backends/BackendError.js'
export {
  type CreateEmbeddedBackendOptions,
  createEmbeddedBackend,
} from './backends/embedded.js'
export type { GenerateOptions, ModelBackend } from './backends/ModelBackend.js'
export { createOpenAICompatibleBackend } from './backends/openAICompatible.js'
export {
  type CreateChainJobVerifierOptions,
  createChainJobVerifier,
  type VerifiableJob,
} from './chain/createChainJobVerifier.js'
export type { HostChainOptions } from './chain/HostChainOptions.js'
export {
  type RegisteredModel,
  type RegisterHostOptions,
  type RegisterHostReturnType,
  registerHost,
} from './chain/registerHost.js'
export { type Clock, systemClock } from './clock.js'
export { createHostIdentity, type HostIdentity } from './hostIdentity.js'
export { type Logger, silentLogger } from './logger.js'
export { modelId } from './modelId.js'
export { type StartHostOptions, type StartHostReturnType, startHost } from './startHost.js'
export {
  type CountedMessage,
  type TruncateContextOptions,
  type TruncateContextReturnType,
  truncateContext,
} from './truncateContext.js'
