import { NATIVE_TOKEN } from '@fabstir/contracts'
import { type Address, type Client, erc20Abi } from 'viem'
import { readContract } from 'viem/actions'
import type { TokenUnit } from './format.js'

/** @internal Whether `token` stands for the chain's native currency. */
export function isNativeToken(token: Address): boolean {
  return token.toLowerCase() === NATIVE_TOKEN
}

/**
 * @internal How to write amounts of `token` in messages: the chain's native currency, or the
 * ERC-20's `symbol()` and `decimals()`. Only error paths call it; a token that does not answer
 * is written in base units.
 */
export async function getTokenUnit(publicClient: Client, token: Address): Promise<TokenUnit> {
  if (isNativeToken(token)) {
    const currency = publicClient.chain?.nativeCurrency
    return {
      symbol: currency?.symbol ?? 'ETH',
      decimals: currency?.decimals ?? 18,
      baseUnit: 'wei',
    }
  }
  const [symbol, decimals] = await Promise.all([
    readContract(publicClient, { address: token, abi: erc20Abi, functionName: 'symbol' }).catch(
      () => undefined,
    ),
    readContract(publicClient, { address: token, abi: erc20Abi, functionName: 'decimals' }).catch(
      () => undefined,
    ),
  ])
  return { symbol, decimals, baseUnit: 'base units' }
}
