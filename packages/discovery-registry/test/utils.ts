import { createServer, type Socket } from 'node:net'
import { MIN_STAKE, nodeRegistryAbi, testTokenAbi } from '@fabstir/contracts'
import { createDevnetClients, type Devnet, type DevnetAccount } from '@fabstir/devnet'
import type { Hex } from 'viem'

/** Metadata that follows the schema, with a key derived from `seed`. */
export function validMetadata(seed: number, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    name: `host-${seed}`,
    region: 'eu-west',
    hardware: { gpu: 'RTX 4090', vramGb: 24 },
    capabilities: ['inference', 'Streaming', 'stream'],
    maxConcurrent: 4,
    ed25519PublicKey: `0x${seed.toString(16).padStart(2, '0').repeat(32)}`,
    ...extra,
  })
}

/** viem clients of one account with a helper that sends a contract write and waits for it. */
export function hostActions(devnet: Devnet, account: DevnetAccount) {
  const clients = createDevnetClients(devnet, account)
  const { publicClient, walletClient } = clients
  const write = async (
    functionName:
      | 'registerNode'
      | 'unregisterNode'
      | 'updateMetadata'
      | 'updateApiUrl'
      | 'updateSupportedModels'
      | 'setModelTokenPricing'
      | 'stake',
    args: readonly unknown[],
  ) => {
    const hash = await walletClient.writeContract({
      address: devnet.contracts.nodeRegistry,
      abi: nodeRegistryAbi,
      functionName,
      args,
    } as never)
    const receipt = await publicClient.waitForTransactionReceipt({ hash })
    if (receipt.status !== 'success') throw new Error(`${functionName} reverted`)
    return receipt
  }
  const approveStake = async (amount = MIN_STAKE) => {
    const hash = await walletClient.writeContract({
      address: devnet.contracts.fabToken,
      abi: testTokenAbi,
      functionName: 'approve',
      args: [devnet.contracts.nodeRegistry, amount],
    })
    await publicClient.waitForTransactionReceipt({ hash })
  }
  return { ...clients, write, approveStake }
}

/**
 * Stakes and registers `account` as a host: approves `MIN_STAKE` of FAB to the NodeRegistry and
 * calls `registerNode(metadata, apiUrl, models, 1n, 1n)`.
 */
export async function registerHost(
  devnet: Devnet,
  account: DevnetAccount,
  { metadata, apiUrl, models }: { metadata: string; apiUrl: string; models: readonly Hex[] },
) {
  const actions = hostActions(devnet, account)
  await actions.approveStake()
  await actions.write('registerNode', [metadata, apiUrl, models, 1n, 1n])
  return actions
}

/** An http URL on loopback where nothing listens (a port just freed). */
export async function closedPortUrl(): Promise<string> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return `http://127.0.0.1:${port}`
}

/**
 * A loopback TCP server that accepts connections and never answers, so requests hang until they
 * are aborted; it records the sockets and whether their peer closed them.
 */
export async function startSilentServer() {
  const sockets: { socket: Socket; closed: boolean }[] = []
  const server = createServer((socket) => {
    const entry = { socket, closed: false }
    sockets.push(entry)
    socket.on('error', () => {})
    socket.on('close', () => {
      entry.closed = true
    })
    socket.resume()
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  const close = async () => {
    for (const { socket } of sockets) socket.destroy()
    await new Promise<void>((resolve) => server.close(() => resolve()))
  }
  return { url: `http://127.0.0.1:${port}`, sockets, close, [Symbol.asyncDispose]: close }
}
