import { fabstirErrorsAbi } from '@fabstir/contracts'
import { FabstirError, type FabstirErrorOptions, isAbortError } from '@fabstir/protocol'
import {
  BaseError,
  ContractFunctionRevertedError,
  decodeErrorResult,
  type Hex,
  HttpRequestError,
  InsufficientFundsError,
  TimeoutError,
  WebSocketRequestError,
} from 'viem'

/**
 * Codes of {@link ContractError}: the contract refused the call (`CONTRACT_REVERTED`), the chain
 * could not be reached (`CHAIN_UNAVAILABLE`), the account cannot pay for gas or value
 * (`INSUFFICIENT_FUNDS`), or anything else viem reported (`CHAIN_ERROR`).
 */
export type ContractErrorCode =
  | 'CONTRACT_REVERTED'
  | 'CHAIN_UNAVAILABLE'
  | 'INSUFFICIENT_FUNDS'
  | 'CHAIN_ERROR'

/** Options of a {@link ContractError}. */
export type ContractErrorOptions = FabstirErrorOptions & {
  /** The contract function called. */
  functionName?: string
  /** The custom error's name (`'PriceBelowHostMinimum'`), or `'Error'` for a revert string. */
  errorName?: string
  /** The custom error's arguments, decoded through the ABI. */
  args?: readonly unknown[]
  /** The revert string (`require(…, "reason")`), when the contract gave one. */
  reason?: string
}

/**
 * A contract call or transaction failed. For reverts, `errorName` and `args` carry the contract's
 * custom error decoded through the Fabstir ABIs, and `reason` the revert string of contracts that
 * use `require` messages (the deployed ones do).
 *
 * @example
 * ```ts
 * import { ContractError } from '@fabstir/discovery-registry'
 *
 * try {
 *   await registry.getModelPricing({ host, model })
 * } catch (error) {
 *   if (ContractError.isInstance(error) && error.errorName === 'ModelPricingNotSet') useDefault()
 * }
 * ```
 */
export class ContractError extends FabstirError<ContractErrorCode> {
  override name = 'ContractError' as const
  readonly functionName: string | undefined
  readonly errorName: string | undefined
  readonly args: readonly unknown[] | undefined
  readonly reason: string | undefined
  /** Only an unreachable chain is worth retrying as is. */
  readonly isRetryable: boolean
  readonly retryAfterMs: number | undefined = undefined

  /**
   * @param code - which failure.
   * @param shortMessage - one line.
   * @param options - cause, the function and the decoded revert.
   */
  constructor(code: ContractErrorCode, shortMessage: string, options: ContractErrorOptions = {}) {
    super(code, shortMessage, options)
    this.functionName = options.functionName
    this.errorName = options.errorName
    this.args = options.args
    this.reason = options.reason
    this.isRetryable = code === 'CHAIN_UNAVAILABLE'
  }

  /**
   * Recognises a {@link ContractError}, also one from another copy of the package.
   *
   * @param value - anything caught.
   */
  static override isInstance(value: unknown): value is ContractError {
    return FabstirError.isInstance(value) && value.name === 'ContractError'
  }
}

/**
 * Turns whatever a viem contract call threw into a {@link ContractError}, decoding a revert
 * through every Fabstir error (a marketplace call can revert inside the registry). Aborts and
 * errors that already are Fabstir errors pass through unchanged.
 *
 * @param error - what the call threw.
 * @param functionName - the contract function, for the message.
 * @returns the error to throw.
 * @example
 * ```ts
 * import { nodeRegistryAbi } from '@fabstir/contracts'
 * import { toContractError } from '@fabstir/discovery-registry'
 *
 * const hosts = await publicClient
 *   .readContract({ address, abi: nodeRegistryAbi, functionName: 'getAllActiveNodes' })
 *   .catch((error: unknown) => {
 *     throw toContractError(error, 'getAllActiveNodes')
 *   })
 * ```
 */
export function toContractError(error: unknown, functionName?: string): unknown {
  if (isAbortError(error) || FabstirError.isInstance(error)) return error
  const base = error instanceof BaseError ? error : undefined
  const call = functionName === undefined ? 'The contract call' : `${functionName}`
  const options = { cause: error, ...(functionName === undefined ? {} : { functionName }) }

  const reverted = base?.walk((cause) => cause instanceof ContractFunctionRevertedError) as
    | ContractFunctionRevertedError
    | undefined
  if (reverted) {
    const decoded = decodeRevert(reverted)
    const what = decoded.errorName
      ? `${decoded.errorName}${decoded.args?.length ? `(${decoded.args.map(String).join(', ')})` : ''}`
      : (decoded.reason ?? 'no reason given')
    return new ContractError('CONTRACT_REVERTED', `${call} reverted: ${what}`, {
      ...options,
      ...decoded,
      details: decoded.reason ?? what,
    })
  }
  if (base?.walk((cause) => cause instanceof InsufficientFundsError)) {
    return new ContractError(
      'INSUFFICIENT_FUNDS',
      `${call}: the account cannot pay for it`,
      options,
    )
  }
  if (
    base?.walk(
      (cause) =>
        cause instanceof HttpRequestError ||
        cause instanceof TimeoutError ||
        cause instanceof WebSocketRequestError,
    )
  ) {
    return new ContractError(
      'CHAIN_UNAVAILABLE',
      `${call}: the chain could not be reached`,
      options,
    )
  }
  return new ContractError('CHAIN_ERROR', `${call} failed`, options)
}

function decodeRevert(
  reverted: ContractFunctionRevertedError,
): Pick<ContractErrorOptions, 'errorName' | 'args' | 'reason'> {
  if (reverted.data?.errorName) {
    const { errorName, args } = reverted.data
    return {
      errorName,
      ...(args === undefined ? {} : { args }),
      ...(reverted.reason === undefined ? {} : { reason: reverted.reason }),
    }
  }
  // The caller's ABI did not know the error: try every Fabstir error.
  if (reverted.raw) {
    try {
      const { errorName, args } = decodeErrorResult({
        abi: fabstirErrorsAbi,
        data: reverted.raw as Hex,
      })
      return { errorName, args: (args ?? []) as readonly unknown[] }
    } catch {
      // Unknown to us as well: keep what viem has.
    }
  }
  return reverted.reason === undefined ? {} : { reason: reverted.reason }
}
