import type { Client, Hex, TransactionReceipt } from 'viem'
import { waitForTransactionReceipt } from 'viem/actions'
import type { Race } from './abort.js'
import { rethrowAs, revertedTransactionError } from './contractError.js'

/**
 * @internal Sends a transaction (`send` simulates it first and returns the hash), waits for its
 * receipt under the call's deadline, and turns failures into `ContractError`s.
 *
 * An abort after `send` resolved does not recall the transaction: it may still be mined.
 */
export async function sendTransaction(
  publicClient: Client,
  race: Race,
  functionName: string,
  send: () => Promise<Hex>,
): Promise<TransactionReceipt> {
  const hash = await race(send().catch(rethrowAs(functionName)))
  const receipt = await race(
    waitForTransactionReceipt(publicClient, { hash }).catch(rethrowAs(functionName)),
  )
  if (receipt.status !== 'success') throw revertedTransactionError(functionName, hash)
  return receipt
}
