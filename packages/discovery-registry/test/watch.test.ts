import { MIN_STAKE, NATIVE_TOKEN } from '@fabstir/contracts'
import { createDevnetClients, type Devnet, startDevnet } from '@fabstir/devnet'
import { type Address, createPublicClient, custom, http } from 'viem'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { ContractError } from '../src/errors/contract.js'
import type { NodeChange } from '../src/NodeChange.js'
import { NodeRegistryClient } from '../src/NodeRegistryClient.js'
import { closedPortUrl, hostActions, registerHost, validMetadata } from './utils.js'

let devnet: Devnet
/** `eth_call`s made through the registry's client. */
let calls = 0
let registry: NodeRegistryClient

beforeAll(async () => {
  devnet = await startDevnet()
  const { publicClient } = createDevnetClients(devnet, devnet.accounts.deployer)
  // The devnet client, counting the reads that go through it.
  const counting = createPublicClient({
    chain: devnet.chain,
    pollingInterval: 50,
    transport: custom({
      request: (args: { method: string; params?: unknown }) => {
        if (args.method === 'eth_call') calls += 1
        return publicClient.request(args as never)
      },
    }),
  })
  registry = new NodeRegistryClient({ publicClient: counting, addresses: devnet.contracts })
})

afterAll(async () => {
  await devnet?.stop()
})

function collect() {
  const changes: NodeChange[] = []
  const errors: unknown[] = []
  return {
    changes,
    errors,
    onNodeChange: (change: NodeChange) => changes.push(change),
    onError: (error: unknown) => errors.push(error),
  }
}

const waitFor = <value>(read: () => value) => expect.poll(read, { timeout: 20_000, interval: 25 })

describe('watch', () => {
  test('keeps the cache fresh: register, update, price, unregister', async () => {
    const [hostA, hostB] = devnet.accounts.hosts
    const model = devnet.models[0]
    if (!hostA || !hostB || !model) throw new Error('devnet')
    await registerHost(devnet, hostA, {
      metadata: validMetadata(1),
      apiUrl: 'http://127.0.0.1:18080',
      models: [model.id],
    })
    const { publicClient } = createDevnetClients(devnet, hostA)
    const fromBlock = (await publicClient.getBlockNumber()) + 1n

    const seen = collect()
    const unwatch = registry.watch({ ...seen, pollingIntervalMs: 50, fromBlock })
    try {
      // The first cached listing reads the chain; the next one is answered from memory.
      const initial = await registry.getAllActiveNodes({ cache: true })
      expect(initial.map((host) => host.address)).toEqual([hostA.address])
      const before = calls
      await expect(registry.getAllActiveNodes({ cache: true })).resolves.toEqual(initial)
      expect(calls).toBe(before)

      // A new host registers: the event arrives, the cache gains it without a new listing.
      const second = await registerHost(devnet, hostB, {
        metadata: validMetadata(2),
        apiUrl: 'http://127.0.0.1:18081',
        models: [model.id],
      })
      await waitFor(() => seen.changes.map((change) => change.type)).toEqual(['node-registered'])
      expect(seen.changes[0]).toMatchObject({
        type: 'node-registered',
        address: hostB.address,
        node: { address: hostB.address, metadataValid: true, apiUrl: 'http://127.0.0.1:18081' },
      })
      expect(seen.changes[0]?.blockNumber).toBeGreaterThanOrEqual(fromBlock)
      expect(seen.changes[0]?.transactionHash).toMatch(/^0x[0-9a-f]{64}$/)
      const listed = (await registry.getAllActiveNodes({ cache: true })).map((host) => host.address)
      expect(listed).toEqual([hostA.address, hostB.address])

      // Metadata, API URL, stake and price updates refresh that host.
      await second.write('updateMetadata', ['{"ed25519PublicKey": 42}'])
      await waitFor(() => seen.changes.length).toBe(2)
      expect(seen.changes[1]).toMatchObject({
        type: 'metadata-updated',
        node: { metadataValid: false, reason: 'ed25519PublicKey: must be a string' },
      })
      const cachedB = async () =>
        (await registry.getAllActiveNodes({ cache: true })).find(
          (host) => host.address === hostB.address,
        )
      expect(await cachedB()).toMatchObject({ metadataValid: false })

      await second.write('updateApiUrl', ['http://127.0.0.1:28081'])
      await second.approveStake(MIN_STAKE)
      await second.write('stake', [MIN_STAKE])
      await second.write('setModelTokenPricing', [model.id, NATIVE_TOKEN, 7000n])
      await waitFor(() => seen.changes.length).toBe(5)
      expect(seen.changes.slice(2).map((change) => change.type)).toEqual([
        'api-url-updated',
        'stake-added',
        'pricing-updated',
      ])
      expect(await cachedB()).toMatchObject({
        apiUrl: 'http://127.0.0.1:28081',
        stake: 2n * MIN_STAKE,
      })

      // Unregistering removes the host from the cache.
      await second.write('unregisterNode', [])
      await waitFor(() => seen.changes.length).toBe(6)
      expect(seen.changes[5]).toMatchObject({
        type: 'node-unregistered',
        address: hostB.address,
        node: undefined,
      })
      const afterUnregister = calls
      expect(
        (await registry.getAllActiveNodes({ cache: true })).map((host) => host.address),
      ).toEqual([hostA.address])
      expect(calls).toBe(afterUnregister)
      expect(seen.errors).toEqual([])
    } finally {
      unwatch()
    }

    // Once the watch stops, cached listings read the chain again.
    const stopped = calls
    await registry.getAllActiveNodes({ cache: true })
    expect(calls).toBeGreaterThan(stopped)
    unwatch() // a second call does nothing
  })

  test('models-updated; events seen before the first cached listing', async () => {
    const [, , hostC] = devnet.accounts.hosts
    const [first, second] = devnet.models
    if (!hostC || !first || !second) throw new Error('devnet')
    const { publicClient } = createDevnetClients(devnet, hostC)
    const fromBlock = (await publicClient.getBlockNumber()) + 1n
    const seen = collect()
    const unwatch = registry.watch({ ...seen, pollingIntervalMs: 50, fromBlock })
    try {
      const host = await registerHost(devnet, hostC, {
        metadata: validMetadata(3),
        apiUrl: 'http://127.0.0.1:18082',
        models: [first.id],
      })
      await host.write('updateSupportedModels', [[second.id]])
      await waitFor(() => seen.changes.map((change) => change.type)).toEqual([
        'node-registered',
        'models-updated',
      ])
      // Both changes carry the host as read after the batch or after each event.
      expect(seen.changes[1]?.node?.models).toEqual([second.id])
      const cached = await registry.getAllActiveNodes({ cache: true, model: second.id })
      expect(cached.map((entry) => entry.address)).toContain(hostC.address)
      const before = calls
      await registry.getAllActiveNodes({ cache: true, model: first.id })
      expect(calls).toBe(before)
    } finally {
      unwatch()
    }
  })

  test('a throwing onNodeChange is reported to onError and the watch goes on', async () => {
    const [hostA] = devnet.accounts.hosts
    if (!hostA) throw new Error('devnet')
    const { publicClient } = createDevnetClients(devnet, hostA)
    const fromBlock = (await publicClient.getBlockNumber()) + 1n
    const errors: unknown[] = []
    let changes = 0
    const unwatch = registry.watch({
      fromBlock,
      pollingIntervalMs: 50,
      onNodeChange: () => {
        changes += 1
        throw new Error(`listener failed ${changes}`)
      },
      onError: (error) => errors.push(error),
    })
    try {
      const host = hostActions(devnet, hostA)
      await host.write('updateMetadata', [validMetadata(4)])
      await host.write('updateApiUrl', ['http://127.0.0.1:38080'])
      await waitFor(() => errors.length).toBe(2)
      expect(errors.map((error) => (error as Error).message)).toEqual([
        'listener failed 1',
        'listener failed 2',
      ])
    } finally {
      unwatch()
    }
  })

  test('an unreachable chain: onError gets CHAIN_UNAVAILABLE and the cache stays cold', async () => {
    const url = await closedPortUrl()
    const down = new NodeRegistryClient({
      publicClient: createPublicClient({ transport: http(url, { retryCount: 0 }) }),
      addresses: devnet.contracts,
    })
    const seen = collect()
    const unwatch = down.watch({ ...seen, pollingIntervalMs: 50 })
    try {
      await waitFor(() => seen.errors.length).toBeGreaterThan(0)
      const [error] = seen.errors
      expect(ContractError.isInstance(error)).toBe(true)
      expect(error).toMatchObject({ code: 'CHAIN_UNAVAILABLE', functionName: 'watchContractEvent' })
      await expect(down.getAllActiveNodes({ cache: true })).rejects.toMatchObject({
        code: 'CHAIN_UNAVAILABLE',
      })
    } finally {
      unwatch()
    }
    expect(seen.changes).toEqual([])
  })

  test('the watch of a client made from rpcUrl', async () => {
    const fromUrl = new NodeRegistryClient({ rpcUrl: devnet.rpcUrl, addresses: devnet.contracts })
    const [, hostB] = devnet.accounts.hosts
    const model = devnet.models[0]
    if (!hostB || !model) throw new Error('devnet')
    const { publicClient } = createDevnetClients(devnet, hostB)
    const fromBlock = (await publicClient.getBlockNumber()) + 1n
    const seen = collect()
    const unwatch = fromUrl.watch({ ...seen, pollingIntervalMs: 50, fromBlock })
    try {
      await registerHost(devnet, hostB, {
        metadata: validMetadata(5),
        apiUrl: 'http://127.0.0.1:18085',
        models: [model.id],
      })
      await waitFor(() => seen.changes.map((change) => change.address as Address)).toEqual([
        hostB.address,
      ])
    } finally {
      unwatch()
    }
  })
})
