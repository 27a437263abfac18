import { MIN_STAKE, nodeRegistryAbi, testTokenAbi } from '@fabstir/contracts'
import { createDevnetClients, type Devnet, type DevnetAccount } from '@fabstir/devnet'
import type { Address, Hex } from 'viem'

/** A price a test host sets: for one of its models, in one token. */
export type HostPrice = { modelId: Hex; token: Address; price: bigint }

/**
 * Registers a devnet account as a host through the real contracts: approves the FAB stake,
 * `registerNode` with the given models (minimum prices 1), then `setModelTokenPricing` for each
 * price. Returns the host's address.
 */
export async function registerHost(
  devnet: Devnet,
  account: DevnetAccount,
  { models, prices }: { models: readonly Hex[]; prices: readonly HostPrice[] },
): Promise<Address> {
  const { publicClient, walletClient } = createDevnetClients(devnet, account)
  const send = async (hash: Hex) => {
    const receipt = await publicClient.waitForTransactionReceipt({ hash })
    if (receipt.status !== 'success') throw new Error(`host setup reverted in ${hash}`)
  }
  await send(
    await walletClient.writeContract({
      address: devnet.contracts.fabToken,
      abi: testTokenAbi,
      functionName: 'approve',
      args: [devnet.contracts.nodeRegistry, MIN_STAKE],
    }),
  )
  await send(
    await walletClient.writeContract({
      address: devnet.contracts.nodeRegistry,
      abi: nodeRegistryAbi,
      functionName: 'registerNode',
      args: [
        JSON.stringify({ ed25519PublicKey: `0x${'11'.repeat(32)}` }),
        'http://127.0.0.1:1',
        [...models],
        1n,
        1n,
      ],
    }),
  )
  for (const { modelId, token, price } of prices) {
    await send(
      await walletClient.writeContract({
        address: devnet.contracts.nodeRegistry,
        abi: nodeRegistryAbi,
        functionName: 'setModelTokenPricing',
        args: [modelId, token, price],
      }),
    )
  }
  return account.address
}
