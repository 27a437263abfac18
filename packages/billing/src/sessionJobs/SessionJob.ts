import type { Address, Hex } from 'viem'

/** Where a session job stands: open, completed by a party, or ended by a timeout. */
export type SessionJobStatus = 'active' | 'completed' | 'timedOut'

/**
 * A session job as the marketplace stores it (`sessionJobs(jobId)`, decoded by field name), plus
 * its model (`sessionModel(jobId)`). Amounts are in the payment token's base units; prices per
 * 1000 tokens; times in seconds since the epoch (chain time); durations in seconds.
 */
export type SessionJob = {
  /** The job id (= session id). */
  id: bigint
  /** Who deposited; may complete the session at any time. */
  depositor: Address
  host: Address
  /** The payment token; `NATIVE_TOKEN` (the zero address) for the native currency. */
  paymentToken: Address
  deposit: bigint
  /** Base units per 1000 tokens. */
  pricePerToken: bigint
  /** Tokens proven so far. */
  tokensUsed: bigint
  maxDuration: bigint
  startTime: bigint
  /** Time of the last proof; `0n` before the first. */
  lastProofTime: bigint
  /** Tokens per proof checkpoint; also the least that is billed once any proof exists. */
  proofInterval: bigint
  /** Seconds without a proof after which anyone may end the session. */
  proofTimeoutWindow: bigint
  status: SessionJobStatus
  /** The host's net payment (after the fee), once settled; `0n` before. */
  withdrawnByHost: bigint
  /** What went back to the depositor, once settled; `0n` before. */
  refundedToUser: bigint
  /** The conversation's content id given at completion; `''` before. */
  conversationCID: string
  /** Hash of the last proof; zero before the first. */
  lastProofHash: Hex
  /** Content id of the last proof; `''` before the first. */
  lastProofCID: string
  /** The model id (`keccak256("repo/file")`). */
  modelId: Hex
}
