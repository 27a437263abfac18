// The public surface of @fabstir/billing.

export { ContractError, type ContractErrorCode } from '@fabstir/discovery-registry'
export { isAbortError } from '@fabstir/protocol'
export {
  BillingError,
  type BillingErrorCode,
  type BillingErrorOptions,
} from './errors/billing.js'
export {
  type EstimateSessionCostErrorType,
  type EstimateSessionCostOptions,
  estimateSessionCost,
} from './estimateSessionCost.js'
export {
  type MaxTokensForDepositErrorType,
  type MaxTokensForDepositOptions,
  maxTokensForDeposit,
} from './maxTokensForDeposit.js'
export {
  type CompleteSessionJobErrorType,
  type CompleteSessionJobOptions,
  type CompleteSessionJobReturnType,
  completeSessionJob,
} from './sessionJobs/completeSessionJob.js'
export {
  type CreateSessionJobErrorType,
  type CreateSessionJobOptions,
  type CreateSessionJobReturnType,
  createSessionJob,
} from './sessionJobs/createSessionJob.js'
export {
  type GetProofSubmissionsErrorType,
  type GetProofSubmissionsOptions,
  type GetProofSubmissionsReturnType,
  getProofSubmissions,
  type ProofSubmission,
} from './sessionJobs/getProofSubmissions.js'
export {
  type GetSessionJobErrorType,
  type GetSessionJobOptions,
  type GetSessionJobReturnType,
  getSessionJob,
} from './sessionJobs/getSessionJob.js'
export {
  type GetSettlementErrorType,
  type GetSettlementOptions,
  type GetSettlementReturnType,
  getSettlement,
} from './sessionJobs/getSettlement.js'
export type { SessionJob, SessionJobStatus } from './sessionJobs/SessionJob.js'
export type { SessionJobAddresses, SessionJobConfig } from './sessionJobs/SessionJobConfig.js'
export { SessionJobManager } from './sessionJobs/SessionJobManager.js'
export type { SessionSettlement } from './sessionJobs/SessionSettlement.js'
export {
  type TriggerSessionTimeoutErrorType,
  type TriggerSessionTimeoutOptions,
  type TriggerSessionTimeoutReturnType,
  triggerSessionTimeout,
} from './sessionJobs/triggerSessionTimeout.js'
