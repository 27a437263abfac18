import { fabstirDeployments } from '@fabstir/contracts'
import { type Account, type Address, type Client, isAddress } from 'viem'
import { BillingError } from '../errors/billing.js'
import type { SessionJobAddresses, SessionJobConfig } from '../sessionJobs/SessionJobConfig.js'

const required = ['jobMarketplace', 'nodeRegistry', 'modelRegistry'] as const

/**
 * @internal The marketplace and registries for a config: `addresses` over the deployment of
 * `chainId` (or the public client's chain).
 *
 * @throws {BillingError} `UNKNOWN_DEPLOYMENT` when an address is missing, `INVALID_ARGUMENT`
 *   when one is not an address.
 */
export function resolveAddresses(config: SessionJobConfig): SessionJobAddresses {
  const chainId = config.chainId ?? config.publicClient.chain?.id
  const deployment = chainId === undefined ? undefined : fabstirDeployments[chainId]
  const merged: Partial<Record<(typeof required)[number], Address>> = {
    ...deployment,
    ...config.addresses,
  }
  const missing = required.filter((name) => merged[name] === undefined)
  if (missing.length > 0) {
    throw new BillingError(
      'UNKNOWN_DEPLOYMENT',
      `No Fabstir contract addresses for ${chainId === undefined ? 'a client without a chain' : `chain ${chainId}`}: pass addresses.${missing.join(', addresses.')}`,
    )
  }
  for (const name of required) {
    const address = merged[name]
    if (address === undefined || !isAddress(address, { strict: false })) {
      throw new BillingError(
        'INVALID_ARGUMENT',
        `addresses.${name} must be an address (0x and 40 hex digits), got ${String(address)}`,
      )
    }
  }
  return merged as SessionJobAddresses
}

/**
 * @internal The wallet client and its account, for writes.
 *
 * @throws {BillingError} `WALLET_REQUIRED` without a wallet client or without an account on it.
 */
export function requireWallet(
  config: SessionJobConfig,
  action: string,
): { walletClient: Client; account: Account } {
  const { walletClient } = config
  if (walletClient?.account === undefined) {
    throw new BillingError(
      'WALLET_REQUIRED',
      `${action} sends a transaction: pass a walletClient with an account`,
    )
  }
  return { walletClient, account: walletClient.account }
}
