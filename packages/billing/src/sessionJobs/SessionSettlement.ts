import type { Address, Hex } from 'viem'

/**
 * How a session job was settled, read from the settling transaction's events. Amounts are in the
 * payment token's base units: `paid = fee + hostEarnings` and `paid + refunded = deposit`.
 *
 * The host is paid for `max(tokensUsed, proofInterval)` tokens once any proof exists (nothing
 * without one), at the session's price, capped at the deposit.
 */
export type SessionSettlement = {
  jobId: bigint
  /** `'completed'` by the depositor or the host, or `'timedOut'` by anyone. */
  status: 'completed' | 'timedOut'
  /** Tokens proven on chain. */
  tokensUsed: bigint
  /** The gross host payment (fee included). */
  paid: bigint
  /** The treasury's fee out of `paid`. */
  fee: bigint
  /** The host's net payment, credited to HostEarnings. */
  hostEarnings: bigint
  /** What went back to the depositor. */
  refunded: bigint
  /**
   * Whether the refund could not be sent (a depositor contract that refuses payments) and was
   * credited to the depositor's deposit balance instead (`getDepositBalance`, withdrawable).
   */
  refundCreditedToDeposit: boolean
  /** Who sent the settling transaction: the depositor or host completing, or whoever triggered the timeout. */
  completedBy: Address
  transactionHash: Hex
  blockNumber: bigint
}
