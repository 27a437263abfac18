import { readFileSync } from 'node:fs'
import { type FabstirContractAddresses, fabstirDeployments } from '@fabstir/contracts'
import {
  type Account,
  type Chain,
  createPublicClient,
  createWalletClient,
  defineChain,
  type Hex,
  http,
  type PublicClient,
  type Transport,
  type WalletClient,
} from 'viem'
import { privateKeyToAccount } from 'viem/accounts'

/** The environment variable holding the host operator's private key. */
export const hostPrivateKeyVariable = 'FABSTIR_HOST_PRIVATE_KEY'

/** @internal Clients and addresses of the chain named on the command line. */
export type ChainFromArgs = {
  publicClient: PublicClient<Transport, Chain>
  walletClient: WalletClient<Transport, Chain, Account>
  addresses: FabstirContractAddresses
}

/**
 * @internal Connects to `rpcUrl` with the key from {@link hostPrivateKeyVariable}; the addresses
 * come from `contractsFile` or the deployment known for the chain id.
 *
 * @throws {TypeError} without a key, with a malformed file, or for a chain without a known
 *   deployment and no file.
 */
export async function connectChainFromArgs(
  rpcUrl: string,
  contractsFile: string | undefined,
  environment: NodeJS.ProcessEnv = process.env,
): Promise<ChainFromArgs> {
  const key = environment[hostPrivateKeyVariable]
  if (key === undefined || !/^0x[0-9a-fA-F]{64}$/.test(key)) {
    throw new TypeError(
      `${hostPrivateKeyVariable} must hold the operator's private key (0x + 64 hex)`,
    )
  }
  const fromFile = contractsFile === undefined ? undefined : readAddresses(contractsFile)
  const probe = createPublicClient({ transport: http(rpcUrl) })
  const chainId = await probe.getChainId()
  const chain = defineChain({
    id: chainId,
    name: `chain ${chainId}`,
    nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
    rpcUrls: { default: { http: [rpcUrl] } },
  })
  // A local chain mines at once: poll receipts often. A public one is polled at viem's pace.
  const local = /^https?:\/\/(127\.|localhost|\[::1\])/.test(rpcUrl)
  const pollingInterval = local ? 100 : 2000
  const addresses = fromFile ?? fabstirDeployments[chainId]
  if (addresses === undefined) {
    throw new TypeError(`no known Fabstir deployment on chain ${chainId}: pass --contracts <file>`)
  }
  return {
    publicClient: createPublicClient({ chain, transport: http(rpcUrl), pollingInterval }),
    walletClient: createWalletClient({
      chain,
      transport: http(rpcUrl),
      account: privateKeyToAccount(key as Hex),
      pollingInterval,
    }),
    addresses,
  }
}

const names = [
  'jobMarketplace',
  'nodeRegistry',
  'modelRegistry',
  'proofSystem',
  'hostEarnings',
  'fabToken',
  'usdcToken',
] as const

function readAddresses(file: string): FabstirContractAddresses {
  let parsed: unknown
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'))
  } catch (error) {
    throw new TypeError(`--contracts ${file}: ${error instanceof Error ? error.message : error}`)
  }
  const record = (parsed as { contracts?: unknown })?.contracts ?? parsed
  const addresses: Partial<Record<(typeof names)[number], string>> = {}
  for (const name of names) {
    const value = (record as Record<string, unknown> | null)?.[name]
    if (typeof value !== 'string' || !/^0x[0-9a-fA-F]{40}$/.test(value)) {
      throw new TypeError(`--contracts ${file}: "${name}" must be an address`)
    }
    addresses[name] = value
  }
  return addresses as FabstirContractAddresses
}
