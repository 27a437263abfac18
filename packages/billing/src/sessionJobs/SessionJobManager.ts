import { resolveAddresses } from '../internal/resolveConfig.js'
import {
  type CompleteSessionJobOptions,
  type CompleteSessionJobReturnType,
  completeSessionJob,
} from './completeSessionJob.js'
import {
  type CreateSessionJobOptions,
  type CreateSessionJobReturnType,
  createSessionJob,
} from './createSessionJob.js'
import {
  type GetProofSubmissionsOptions,
  type GetProofSubmissionsReturnType,
  getProofSubmissions,
} from './getProofSubmissions.js'
import {
  type GetSessionJobOptions,
  type GetSessionJobReturnType,
  getSessionJob,
} from './getSessionJob.js'
import {
  type GetSettlementOptions,
  type GetSettlementReturnType,
  getSettlement,
} from './getSettlement.js'
import type { SessionJobAddresses, SessionJobConfig } from './SessionJobConfig.js'
import {
  type TriggerSessionTimeoutOptions,
  type TriggerSessionTimeoutReturnType,
  triggerSessionTimeout,
} from './triggerSessionTimeout.js'

/**
 * The session-job functions bound to one {@link SessionJobConfig}: create a job with its deposit,
 * read it and its proofs, complete it or trigger its timeout, and read its settlement. Each
 * method is the function of the same name (see there for options, results and errors); use the
 * functions directly to keep a bundle to what it calls.
 *
 * @example
 * ```ts
 * import { SessionJobManager } from '@fabstir/billing'
 * import { parseEther } from 'viem'
 *
 * const sessions = new SessionJobManager({ publicClient, walletClient })
 * const { jobId } = await sessions.createSessionJob({
 *   host,
 *   model: 'fabstir/ngram-trigram.json',
 *   deposit: parseEther('0.001'),
 * })
 * // … inference …
 * const { paid, refunded } = await sessions.completeSessionJob({ jobId })
 * ```
 */
export class SessionJobManager {
  /** The configuration every method uses. */
  readonly config: SessionJobConfig
  /** The marketplace and registries in use. */
  readonly addresses: SessionJobAddresses

  /**
   * @param config - the viem clients, and optionally the chain id and addresses.
   * @throws {BillingError} `UNKNOWN_DEPLOYMENT` when no addresses are known for the chain;
   *   `INVALID_ARGUMENT` for a malformed address.
   */
  constructor(config: SessionJobConfig) {
    this.addresses = resolveAddresses(config)
    this.config = { ...config, addresses: { ...config.addresses, ...this.addresses } }
  }

  /**
   * Opens a session job with its deposit, after checking every rule that would make it revert.
   * See {@link createSessionJob}.
   *
   * @param options - host, model, deposit, optional terms, `signal`, `timeoutMs`.
   * @returns the job id, transaction(s) and terms.
   * @throws {BillingError} a pre-flight code; {@link ContractError} for reverts and chain errors.
   * @example
   * ```ts
   * const { jobId } = await sessions.createSessionJob({ host, model, deposit: 10n ** 15n })
   * ```
   */
  createSessionJob(options: CreateSessionJobOptions): Promise<CreateSessionJobReturnType> {
    return createSessionJob(this.config, options)
  }

  /**
   * Reads a session job by field name. See {@link getSessionJob}.
   *
   * @param options - the job id, `signal`, `timeoutMs`.
   * @returns the job.
   * @throws {BillingError} `SESSION_NOT_FOUND`; {@link ContractError} for chain errors.
   * @example
   * ```ts
   * const { status, tokensUsed } = await sessions.getSessionJob({ jobId })
   * ```
   */
  getSessionJob(options: GetSessionJobOptions): Promise<GetSessionJobReturnType> {
    return getSessionJob(this.config, options)
  }

  /**
   * Reads a session job's proof checkpoints. See {@link getProofSubmissions}.
   *
   * @param options - the job id, `includeProofCIDs`, `fromBlock`, `signal`, `timeoutMs`.
   * @returns the proofs, oldest first.
   * @throws {ContractError} for chain errors.
   * @example
   * ```ts
   * const proofs = await sessions.getProofSubmissions({ jobId })
   * ```
   */
  getProofSubmissions(options: GetProofSubmissionsOptions): Promise<GetProofSubmissionsReturnType> {
    return getProofSubmissions(this.config, options)
  }

  /**
   * Completes and settles a session job. See {@link completeSessionJob}.
   *
   * @param options - the job id, `conversationCID`, `signal`, `timeoutMs`.
   * @returns the settlement.
   * @throws {ContractError} for reverts (`SessionNotActive`, …) and chain errors.
   * @example
   * ```ts
   * const { paid, fee, hostEarnings, refunded } = await sessions.completeSessionJob({ jobId })
   * ```
   */
  completeSessionJob(options: CompleteSessionJobOptions): Promise<CompleteSessionJobReturnType> {
    return completeSessionJob(this.config, options)
  }

  /**
   * Ends a session job whose time is up. See {@link triggerSessionTimeout}.
   *
   * @param options - the job id, `signal`, `timeoutMs`.
   * @returns the settlement.
   * @throws {ContractError} for reverts (`SessionNotTimedOut`, …) and chain errors.
   * @example
   * ```ts
   * const { refunded } = await sessions.triggerSessionTimeout({ jobId })
   * ```
   */
  triggerSessionTimeout(
    options: TriggerSessionTimeoutOptions,
  ): Promise<TriggerSessionTimeoutReturnType> {
    return triggerSessionTimeout(this.config, options)
  }

  /**
   * Reads how a settled session job was settled. See {@link getSettlement}.
   *
   * @param options - the job id, `fromBlock`, `signal`, `timeoutMs`.
   * @returns the settlement.
   * @throws {BillingError} `SESSION_NOT_FOUND`, `SESSION_NOT_SETTLED`, `SETTLEMENT_NOT_FOUND`.
   * @example
   * ```ts
   * const { status, paid } = await sessions.getSettlement({ jobId })
   * ```
   */
  getSettlement(options: GetSettlementOptions): Promise<GetSettlementReturnType> {
    return getSettlement(this.config, options)
  }
}
