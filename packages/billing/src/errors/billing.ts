import { FabstirError, type FabstirErrorOptions } from '@fabstir/protocol'

/**
 * Codes of {@link BillingError}.
 *
 * Pre-flight checks of `createSessionJob`, in the order they run: `INVALID_ARGUMENT` (an option
 * out of the contract's bounds), `TOKEN_NOT_ACCEPTED`, `DEPOSIT_TOO_SMALL`,
 * `MODEL_NOT_APPROVED`, `HOST_NOT_ACTIVE`, `HOST_DOES_NOT_SUPPORT_MODEL`, `HOST_PRICE_NOT_SET`,
 * `PRICE_BELOW_HOST_MINIMUM`, `DEPOSIT_DOES_NOT_COVER_PROOF_INTERVAL`, `INSUFFICIENT_BALANCE`.
 *
 * Reads: `SESSION_NOT_FOUND` (no job of that id), `SESSION_NOT_SETTLED` (the job is still
 * active), `SETTLEMENT_NOT_FOUND` (settled, but its event is not in the searched blocks).
 *
 * Setup and chain answers: `WALLET_REQUIRED` (a write without a wallet client and account),
 * `UNKNOWN_DEPLOYMENT` (no contract addresses for the chain), `UNEXPECTED_RESPONSE` (the chain
 * answered something these contracts never do, such as a receipt without the expected event).
 */
export type BillingErrorCode =
  | 'INVALID_ARGUMENT'
  | 'TOKEN_NOT_ACCEPTED'
  | 'DEPOSIT_TOO_SMALL'
  | 'MODEL_NOT_APPROVED'
  | 'HOST_NOT_ACTIVE'
  | 'HOST_DOES_NOT_SUPPORT_MODEL'
  | 'HOST_PRICE_NOT_SET'
  | 'PRICE_BELOW_HOST_MINIMUM'
  | 'DEPOSIT_DOES_NOT_COVER_PROOF_INTERVAL'
  | 'INSUFFICIENT_BALANCE'
  | 'SESSION_NOT_FOUND'
  | 'SESSION_NOT_SETTLED'
  | 'SETTLEMENT_NOT_FOUND'
  | 'WALLET_REQUIRED'
  | 'UNKNOWN_DEPLOYMENT'
  | 'UNEXPECTED_RESPONSE'

/** Options of a {@link BillingError}. */
export type BillingErrorOptions = FabstirErrorOptions & {
  /** The session job the error is about, when there is one. */
  jobId?: bigint
}

/**
 * A session-job call was refused before anything was sent (a pre-flight check found that the
 * contract would revert, or the wallet cannot pay), or a read found no such job or settlement.
 * The message explains the rule and shows the numbers involved; match on `code`.
 *
 * Reverts that still happen on chain are `ContractError`s (with the contract's `errorName`),
 * not `BillingError`s.
 *
 * @example
 * ```ts
 * import { BillingError, createSessionJob } from '@fabstir/billing'
 *
 * try {
 *   await createSessionJob(config, { host, model, deposit })
 * } catch (error) {
 *   if (BillingError.isInstance(error) && error.code === 'PRICE_BELOW_HOST_MINIMUM') askAgain()
 *   else throw error
 * }
 * ```
 */
export class BillingError extends FabstirError<BillingErrorCode> {
  override name = 'BillingError' as const
  /** The session job the error is about, when there is one. */
  readonly jobId: bigint | undefined
  /** None of these is worth retrying as is: the state or the arguments must change first. */
  readonly isRetryable = false

  /**
   * @param code - which check failed.
   * @param shortMessage - one line that explains the rule, with the numbers.
   * @param options - cause, details, context lines and the job id.
   */
  constructor(code: BillingErrorCode, shortMessage: string, options: BillingErrorOptions = {}) {
    super(code, shortMessage, options)
    this.jobId = options.jobId
  }

  /**
   * Recognises a {@link BillingError}, also one from another copy of the package.
   *
   * @param value - anything caught.
   * @returns whether `value` is a {@link BillingError}.
   * @example
   * ```ts
   * if (BillingError.isInstance(error) && error.code === 'SESSION_NOT_FOUND') return undefined
   * ```
   */
  static override isInstance(value: unknown): value is BillingError {
    return FabstirError.isInstance(value) && value.name === 'BillingError'
  }
}
