import { baseSepoliaAddresses } from '@fabstir/contracts'
import { createPublicClient, createWalletClient, http } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { baseSepolia, mainnet } from 'viem/chains'
import { describe, expect, test } from 'vitest'
import { SessionJobManager } from '../sessionJobs/SessionJobManager.js'
import { requireWallet, resolveAddresses } from './resolveConfig.js'

// Clients that are never asked anything: these tests only resolve configuration.
const transport = http('http://127.0.0.1:1')
const sepoliaClient = createPublicClient({ chain: baseSepolia, transport })
const chainlessClient = createPublicClient({ transport })
const other = '0x00000000000000000000000000000000000000aa'

describe('resolveAddresses', () => {
  test('the deployment of the client chain by default, overridable address by address', () => {
    expect(resolveAddresses({ publicClient: sepoliaClient })).toMatchObject({
      jobMarketplace: baseSepoliaAddresses.jobMarketplace,
      nodeRegistry: baseSepoliaAddresses.nodeRegistry,
      modelRegistry: baseSepoliaAddresses.modelRegistry,
    })
    expect(
      resolveAddresses({ publicClient: sepoliaClient, addresses: { jobMarketplace: other } }),
    ).toMatchObject({ jobMarketplace: other, nodeRegistry: baseSepoliaAddresses.nodeRegistry })
    expect(resolveAddresses({ publicClient: chainlessClient, chainId: 84532 })).toMatchObject({
      jobMarketplace: baseSepoliaAddresses.jobMarketplace,
    })
  })

  test('no deployment for the chain: UNKNOWN_DEPLOYMENT names what is missing', () => {
    expect(() =>
      resolveAddresses({ publicClient: createPublicClient({ chain: mainnet, transport }) }),
    ).toThrow(
      'No Fabstir contract addresses for chain 1: pass addresses.jobMarketplace, addresses.nodeRegistry, addresses.modelRegistry',
    )
    expect(() =>
      resolveAddresses({ publicClient: chainlessClient, addresses: { jobMarketplace: other } }),
    ).toThrow(
      expect.objectContaining({
        code: 'UNKNOWN_DEPLOYMENT',
        shortMessage: expect.stringContaining('a client without a chain'),
      }),
    )
  })

  test('a malformed address: INVALID_ARGUMENT', () => {
    expect(() =>
      resolveAddresses({ publicClient: sepoliaClient, addresses: { nodeRegistry: '0x12' } }),
    ).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }))
  })

  test('SessionJobManager resolves them once, at construction', () => {
    const manager = new SessionJobManager({ publicClient: sepoliaClient })
    expect(manager.addresses.jobMarketplace).toBe(baseSepoliaAddresses.jobMarketplace)
    expect(manager.config.addresses?.modelRegistry).toBe(baseSepoliaAddresses.modelRegistry)
    expect(() => new SessionJobManager({ publicClient: chainlessClient })).toThrow(
      expect.objectContaining({ code: 'UNKNOWN_DEPLOYMENT' }),
    )
  })
})

describe('requireWallet', () => {
  test('a wallet client with an account, or WALLET_REQUIRED', () => {
    const account = privateKeyToAccount(`0x${'01'.repeat(32)}`)
    const walletClient = createWalletClient({ chain: baseSepolia, transport, account })
    expect(requireWallet({ publicClient: sepoliaClient, walletClient }, 'x').account).toBe(account)
    expect(() => requireWallet({ publicClient: sepoliaClient }, 'completeSessionJob')).toThrow(
      'completeSessionJob sends a transaction: pass a walletClient with an account',
    )
    expect(() =>
      requireWallet(
        { publicClient: sepoliaClient, walletClient: createWalletClient({ transport }) },
        'x',
      ),
    ).toThrow(expect.objectContaining({ code: 'WALLET_REQUIRED' }))
  })
})
