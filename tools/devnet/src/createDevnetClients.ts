import {
  type Chain,
  createPublicClient,
  createTestClient,
  createWalletClient,
  http,
  type PublicClient,
  type TestClient,
  type Transport,
  type WalletClient,
} from 'viem'
import { type PrivateKeyAccount, privateKeyToAccount } from 'viem/accounts'
import type { Devnet, DevnetAccount } from './startDevnet.js'

export type DevnetClients = {
  publicClient: PublicClient<Transport, Chain>
  walletClient: WalletClient<Transport, Chain, PrivateKeyAccount>
  /** anvil's test actions: snapshots, time travel, mining. */
  testClient: TestClient<'anvil', Transport, Chain>
}

/**
 * viem clients for a devnet account, polling every 50 ms (anvil mines each transaction at once;
 * viem's default of 4 s would make every receipt wait).
 *
 * @example
 * const { publicClient, walletClient } = createDevnetClients(devnet, devnet.accounts.users[0])
 */
export function createDevnetClients(
  devnet: Pick<Devnet, 'rpcUrl' | 'chain'>,
  account: DevnetAccount,
): DevnetClients {
  const transport = http(devnet.rpcUrl)
  return {
    publicClient: createPublicClient({ chain: devnet.chain, transport, pollingInterval: 50 }),
    walletClient: createWalletClient({
      chain: devnet.chain,
      transport,
      account: privateKeyToAccount(account.privateKey),
      pollingInterval: 50,
    }),
    testClient: createTestClient({
      chain: devnet.chain,
      transport,
      mode: 'anvil',
      pollingInterval: 50,
    }),
  }
}
