import { MIN_STAKE, NATIVE_TOKEN, nodeRegistryAbi, testTokenAbi } from '@fabstir/contracts'
import { NodeRegistryClient, toContractError } from '@fabstir/discovery-registry'
import type { Abi, Account, Address, Chain, Hex, PublicClient, Transport, WalletClient } from 'viem'

/** A model the host serves, with its price per token for each payment token. */
export type RegisteredModel = {
  /** The model's bytes32 id. */
  id: Hex
  /** `pricePerToken` (per 1000 tokens, CHAIN.md units) by payment token; `NATIVE_TOKEN` for ETH. */
  prices: readonly { token: Address; price: bigint }[]
}

/** Options of {@link registerHost}. */
export type RegisterHostOptions = {
  publicClient: PublicClient
  /** The host operator's wallet: it stakes FAB and owns the registration. */
  walletClient: WalletClient<Transport, Chain, Account>
  addresses: { nodeRegistry: Address; modelRegistry: Address; fabToken: Address }
  /** Published as the registry's metadata JSON (CHAIN.md schema; `ed25519PublicKey` required). */
  metadata: { ed25519PublicKey: Hex } & Record<string, unknown>
  /** Where clients reach the host, e.g. `http://127.0.0.1:8080`. */
  apiUrl: string
  models: readonly RegisteredModel[]
  /** The registry's default prices (per 1000 tokens). @default the lowest model price, or 1 */
  minPricePerTokenNative?: bigint
  minPricePerTokenStable?: bigint
}

/** What {@link registerHost} did. */
export type RegisterHostReturnType = {
  /** Whether this call registered the host (false: it was registered and was brought up to date). */
  registered: boolean
  /** Every transaction sent, in order. */
  transactions: readonly Hex[]
}

/**
 * Registers the host in the NodeRegistry, or brings an existing registration up to date: stakes
 * `MIN_STAKE` FAB (approving only what is missing), publishes metadata, API URL and models, and
 * sets each model's price per payment token. Sends nothing that is already as asked.
 *
 * @throws {ContractError} when a call reverts (an unapproved model, too little FAB) or the chain
 *   cannot be reached.
 * @example
 * ```ts
 * await registerHost({
 *   publicClient, walletClient, addresses,
 *   metadata: { ed25519PublicKey: host.publicKey },
 *   apiUrl: host.url,
 *   models: [{ id: modelId('fabstir/ngram-trigram.json'), prices: [{ token: NATIVE_TOKEN, price: 2000n }] }],
 * })
 * ```
 */
export async function registerHost({
  publicClient,
  walletClient,
  addresses,
  metadata,
  apiUrl,
  models,
  minPricePerTokenNative,
  minPricePerTokenStable,
}: RegisterHostOptions): Promise<RegisterHostReturnType> {
  const operator = walletClient.account.address
  const transactions: Hex[] = []
  const send = async (
    address: Address,
    abi: Abi,
    functionName: string,
    args: readonly unknown[],
  ) => {
    try {
      const { request } = await publicClient.simulateContract({
        account: walletClient.account,
        address,
        abi,
        functionName,
        args,
      })
      const hash = await walletClient.writeContract(request)
      const receipt = await publicClient.waitForTransactionReceipt({ hash })
      if (receipt.status !== 'success') throw new Error(`${functionName} reverted in ${hash}`)
      transactions.push(hash)
    } catch (error) {
      throw toContractError(error, functionName)
    }
  }
  const registry = new NodeRegistryClient({ publicClient, addresses })

  const modelIds = models.map((model) => model.id)
  const metadataJson = JSON.stringify(metadata)
  const allPrices = models.flatMap((model) => model.prices)
  const lowest = (native: boolean) =>
    allPrices
      .filter((entry) => (entry.token === NATIVE_TOKEN) === native)
      .reduce<bigint | undefined>(
        (low, { price }) => (low === undefined || price < low ? price : low),
        undefined,
      ) ?? 1n

  const node = await registry.getNode(operator)
  const registered = node === undefined
  if (node === undefined) {
    const allowance = (await publicClient.readContract({
      address: addresses.fabToken,
      abi: testTokenAbi,
      functionName: 'allowance',
      args: [operator, addresses.nodeRegistry],
    })) as bigint
    if (allowance < MIN_STAKE) {
      await send(addresses.fabToken, testTokenAbi, 'approve', [addresses.nodeRegistry, MIN_STAKE])
    }
    await send(addresses.nodeRegistry, nodeRegistryAbi, 'registerNode', [
      metadataJson,
      apiUrl,
      modelIds,
      minPricePerTokenNative ?? lowest(true),
      minPricePerTokenStable ?? lowest(false),
    ])
  } else {
    if (node.rawMetadata !== metadataJson) {
      await send(addresses.nodeRegistry, nodeRegistryAbi, 'updateMetadata', [metadataJson])
    }
    if (node.apiUrl !== apiUrl) {
      await send(addresses.nodeRegistry, nodeRegistryAbi, 'updateApiUrl', [apiUrl])
    }
    const current = new Set(node.models.map((id) => id.toLowerCase()))
    const same =
      current.size === modelIds.length && modelIds.every((id) => current.has(id.toLowerCase()))
    if (!same) {
      await send(addresses.nodeRegistry, nodeRegistryAbi, 'updateSupportedModels', [modelIds])
    }
  }

  for (const model of models) {
    for (const { token, price } of model.prices) {
      const prices = await registry.getHostModelPrices({ host: operator, token })
      const current = prices.find((entry) => entry.modelId.toLowerCase() === model.id.toLowerCase())
      if (current?.price === price) continue
      await send(addresses.nodeRegistry, nodeRegistryAbi, 'setModelTokenPricing', [
        model.id,
        token,
        price,
      ])
    }
  }
  return { registered, transactions }
}
