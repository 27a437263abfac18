import {
  deployFabstirContracts,
  type FabstirContractAddresses,
  getModelId,
  modelRegistryAbi,
  testTokenAbi,
} from '@fabstir/contracts'
import { type Address, type Chain, defineChain, type Hex, zeroHash } from 'viem'
import { createDevnetClients } from './createDevnetClients.js'
import { defaultAccounts } from './defaultAccounts.js'
import { startAnvil } from './startAnvil.js'

/** A funded account of the local chain, with its key (test keys: never use them elsewhere). */
export type DevnetAccount = { address: Address; privateKey: Hex }

/** A model the devnet approves in the ModelRegistry. */
export type DevnetModel = { repo: string; fileName: string; sha256Hash?: Hex }

export type StartDevnetOptions = {
  /** @default 0 (a free port) */
  port?: number
  /** Models to approve. @default {@link defaultDevnetModels} */
  models?: readonly DevnetModel[]
  /** The marketplace fee in basis points. @default 1000n (10 %) */
  feeBasisPoints?: bigint
  /** Seconds after its last proof before a host may complete a session. @default 30n */
  disputeWindow?: bigint
  signal?: AbortSignal
  /** For starting anvil. @default 30_000 */
  timeoutMs?: number
}

export type Devnet = {
  rpcUrl: string
  chainId: number
  /** A viem chain for the devnet (pass it to your clients). */
  chain: Chain
  contracts: FabstirContractAddresses
  accounts: {
    /** Deploys and owns every contract; mints the test tokens. */
    deployer: DevnetAccount
    /** Receives the marketplace fees. */
    treasury: DevnetAccount
    /** Hold 10,000 FAB each, enough to stake. */
    hosts: readonly DevnetAccount[]
    /** Hold 10,000 FAB and 10,000 USDC each. */
    users: readonly DevnetAccount[]
  }
  /** The approved models with their on-chain ids. */
  models: readonly { name: string; id: Hex }[]
  stop(): Promise<void>
  [Symbol.asyncDispose](): Promise<void>
}

/** The embedded model of the reference host and the two models approved on Base Sepolia. */
export const defaultDevnetModels: readonly DevnetModel[] = [
  { repo: 'fabstir', fileName: 'ngram-trigram.json' },
  { repo: 'CohereForAI/TinyVicuna-1B-32k-GGUF', fileName: 'tiny-vicuna-1b.q4_k_m.gguf' },
  {
    repo: 'TheBloke/TinyLlama-1.1B-Chat-v1.0-GGUF',
    fileName: 'tinyllama-1.1b-chat-v1.0.Q4_K_M.gguf',
  },
]

const FAB = 10n ** 18n
const USDC = 10n ** 6n

/**
 * Starts a local chain (anvil, on loopback) with the Fabstir contracts deployed and wired, test
 * FAB and USDC minted to host and user accounts, and test models approved.
 *
 * Accounts are anvil's default ones: 0 deploys, 1–3 are hosts, 4–8 users, 9 the treasury.
 *
 * @example
 * import { startDevnet } from '@fabstir/devnet'
 * await using devnet = await startDevnet()
 * console.log(devnet.rpcUrl, devnet.contracts.jobMarketplace)
 */
export async function startDevnet({
  port = 0,
  models = defaultDevnetModels,
  feeBasisPoints = 1000n,
  disputeWindow = 30n,
  signal,
  timeoutMs = 30_000,
}: StartDevnetOptions = {}): Promise<Devnet> {
  const anvil = await startAnvil({
    port,
    timeoutMs,
    ...(signal === undefined ? {} : { signal }),
  })
  try {
    const chain = defineChain({
      id: anvil.chainId,
      name: 'Fabstir devnet',
      nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
      rpcUrls: { default: { http: [anvil.rpcUrl] } },
    })
    const [deployer, hostA, hostB, hostC, ...rest] = defaultAccounts
    const treasury = rest[5]
    const users = rest.slice(0, 5)
    if (!deployer || !hostA || !hostB || !hostC || !treasury) throw new Error('too few accounts')
    const hosts = [hostA, hostB, hostC]

    const { publicClient, walletClient } = createDevnetClients(
      { rpcUrl: anvil.rpcUrl, chain },
      deployer,
    )
    const contracts = await deployFabstirContracts({
      walletClient,
      publicClient,
      treasury: treasury.address,
      feeBasisPoints,
      disputeWindow,
    })

    const setup = [
      ...[...hosts, ...users].map((account) => ({
        address: contracts.fabToken,
        abi: testTokenAbi,
        functionName: 'mint',
        args: [account.address, 10_000n * FAB],
      })),
      ...users.map((account) => ({
        address: contracts.usdcToken,
        abi: testTokenAbi,
        functionName: 'mint',
        args: [account.address, 10_000n * USDC],
      })),
      ...models.map((model) => ({
        address: contracts.modelRegistry,
        abi: modelRegistryAbi,
        functionName: 'addTrustedModel',
        args: [model.repo, model.fileName, model.sha256Hash ?? zeroHash],
      })),
    ]
    // anvil mines each transaction as it arrives, so the next nonce is known at once: send them
    // all, then check every receipt.
    const hashes: Hex[] = []
    for (const call of setup) hashes.push(await walletClient.writeContract(call as never))
    for (const hash of hashes) {
      const receipt = await publicClient.waitForTransactionReceipt({ hash })
      if (receipt.status !== 'success') throw new Error(`devnet setup reverted in ${hash}`)
    }

    return {
      rpcUrl: anvil.rpcUrl,
      chainId: anvil.chainId,
      chain,
      contracts,
      accounts: { deployer, treasury, hosts, users },
      models: models.map((model) => {
        const name = `${model.repo}/${model.fileName}`
        return { name, id: getModelId(name) }
      }),
      stop: () => anvil.stop(),
      [Symbol.asyncDispose]: () => anvil.stop(),
    }
  } catch (error) {
    await anvil.stop()
    throw error
  }
}
