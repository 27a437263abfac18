import { ContractError, toContractError } from '@fabstir/discovery-registry'
import type { Hex } from 'viem'

/** @internal A `.catch` handler that rethrows what a viem call threw as a `ContractError`. */
export function rethrowAs(functionName: string): (error: unknown) => never {
  return (error) => {
    throw toContractError(error, functionName)
  }
}

/** @internal The error for a mined transaction whose receipt says it reverted. */
export function revertedTransactionError(functionName: string, hash: Hex): ContractError {
  return new ContractError('CONTRACT_REVERTED', `${functionName} reverted in transaction ${hash}`, {
    functionName,
  })
}
