import { baseSepoliaAddresses, nodeRegistryAbi } from '@fabstir/contracts'
import { isAbortError } from '@fabstir/protocol'
import {
  type Address,
  createPublicClient,
  custom,
  decodeFunctionData,
  encodeAbiParameters,
  encodeErrorResult,
  encodeEventTopics,
  encodeFunctionResult,
  type Hex,
  http,
  parseAbi,
  toHex,
  zeroAddress,
} from 'viem'
import { describe, expect, test } from 'vitest'
import { ContractError } from './errors/contract.js'
import type { NodeChange } from './NodeChange.js'
import { NodeRegistryClient } from './NodeRegistryClient.js'

const nodeRegistry: Address = '0x00000000000000000000000000000000000000aa'
const modelRegistry: Address = '0x00000000000000000000000000000000000000bb'
const addresses = { nodeRegistry, modelRegistry }
const hostA: Address = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8'
const hostB: Address = '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC'
const hostC: Address = '0x90F79bf6EB2c4f870365E785982E1f101E93b906'
const modelId: Hex = `0x${'11'.repeat(32)}`
const ed25519PublicKey = `0x${'ab'.repeat(32)}`

type Answer = { result: unknown } | { revert: string } | 'hang'
type Answers = Partial<Record<string, (args: readonly unknown[]) => Answer | Promise<Answer>>>

/**
 * A stub at the EIP-1193 interface: answers `eth_call`s to the NodeRegistry as the deployed
 * contract would in situations the local contract cannot produce, and serves the event logs the
 * test pushes to `logs` through a filter.
 */
function stubClient(answers: Answers, logs: unknown[] = []) {
  return createPublicClient({
    pollingInterval: 10,
    transport: custom(
      {
        request: async ({ method, params }: { method: string; params?: unknown }) => {
          if (method === 'eth_newFilter') return '0x1'
          if (method === 'eth_getFilterChanges') return logs.splice(0)
          if (method === 'eth_uninstallFilter') return true
          if (method !== 'eth_call') throw new Error(`unexpected ${method}`)
          const [{ data }] = params as [{ data: Hex }]
          const call = decodeFunctionData({ abi: nodeRegistryAbi, data })
          const answer = await answers[call.functionName]?.(call.args ?? [])
          if (answer === undefined) throw new Error(`unexpected call ${call.functionName}`)
          if (answer === 'hang') return new Promise(() => {})
          if ('revert' in answer) {
            throw {
              code: 3,
              message: `execution reverted: ${answer.revert}`,
              data: encodeErrorResult({
                abi: parseAbi(['error Error(string)']),
                errorName: 'Error',
                args: [answer.revert],
              }),
            }
          }
          return encodeFunctionResult({
            abi: nodeRegistryAbi,
            functionName: call.functionName,
            result: answer.result,
          } as never)
        },
      },
      { retryCount: 0 },
    ),
  })
}

let logIndex = 0

/** An RPC log of a NodeRegistry event, as a node returns it. */
function eventLog(eventName: 'MetadataUpdated' | 'ApiUrlUpdated', operator: Address, text: string) {
  logIndex += 1
  return {
    address: nodeRegistry,
    topics: encodeEventTopics({ abi: nodeRegistryAbi, eventName, args: { operator } }),
    data: encodeAbiParameters([{ type: 'string' }], [text]),
    blockNumber: toHex(100 + logIndex),
    blockHash: `0x${'cc'.repeat(32)}`,
    transactionHash: `0x${logIndex.toString(16).padStart(64, '0')}`,
    transactionIndex: '0x0',
    logIndex: toHex(logIndex),
    removed: false,
  }
}

/** A promise with its resolve function, to hold a stubbed answer until the test releases it. */
function gate<value>() {
  let release!: (value: value) => void
  const promise = new Promise<value>((resolve) => {
    release = resolve
  })
  return { promise, release }
}

const fullInfo = (operator: Address, metadata: string) => ({
  result: [operator, 10n ** 21n, true, metadata, 'http://127.0.0.1:8080', [modelId], 1n, 2n],
})

describe('constructor', () => {
  const publicClient = createPublicClient({ transport: http('http://127.0.0.1:1') })

  test('takes the Base Sepolia deployment by default', () => {
    const registry = new NodeRegistryClient({ rpcUrl: 'https://sepolia.base.org' })
    expect(registry.chainId).toBe(84532)
    expect(registry.addresses).toEqual({
      nodeRegistry: baseSepoliaAddresses.nodeRegistry,
      modelRegistry: baseSepoliaAddresses.modelRegistry,
    })
  })

  test('overrides one address and checksums it', () => {
    const registry = new NodeRegistryClient({
      publicClient,
      chainId: 84532,
      addresses: { nodeRegistry: hostA.toLowerCase() as Address },
    })
    expect(registry.addresses.nodeRegistry).toBe(hostA)
    expect(registry.addresses.modelRegistry).toBe(baseSepoliaAddresses.modelRegistry)
  })

  test('reads the chain id from the client', () => {
    const client = createPublicClient({
      chain: { ...baseChain, id: 31337 },
      transport: http('http://127.0.0.1:1'),
    })
    expect(new NodeRegistryClient({ publicClient: client, addresses }).chainId).toBe(31337)
    expect(() => new NodeRegistryClient({ publicClient: client, chainId: 1, addresses })).toThrow(
      'chainId 1 is not the publicClient',
    )
  })

  test('a chain without a deployment needs the addresses', () => {
    expect(() => new NodeRegistryClient({ publicClient, chainId: 31337 })).toThrow(
      /^No nodeRegistry address for chain 31337: pass addresses.nodeRegistry/,
    )
    expect(
      () => new NodeRegistryClient({ publicClient, chainId: 31337, addresses: { nodeRegistry } }),
    ).toThrow(/^No modelRegistry address for chain 31337/)
  })

  test.each([
    [undefined, 'needs options'],
    [{}, 'Pass publicClient'],
    [{ publicClient, rpcUrl: 'http://127.0.0.1:1' }, 'not both'],
    [{ rpcUrl: 'not a url' }, 'absolute http(s) URL'],
    [{ rpcUrl: 'ws://127.0.0.1:8545' }, 'pass a publicClient for other transports'],
    [{ publicClient, chainId: 0 }, 'chainId must be a positive integer'],
    [
      { publicClient, addresses: { nodeRegistry: '0x123' } },
      'addresses.nodeRegistry must be an address',
    ],
  ])('TypeError for %#', (options, message) => {
    expect(() => new NodeRegistryClient(options as never)).toThrow(TypeError)
    expect(() => new NodeRegistryClient(options as never)).toThrow(message)
  })

  test.each([{ timeoutMs: -1 }, { concurrency: 0 }, { concurrency: 1.5 }, { concurrency: 1000 }])(
    'RangeError for %j',
    (options) => {
      expect(() => new NodeRegistryClient({ publicClient, ...options })).toThrow(RangeError)
    },
  )
})

const baseChain = {
  id: 84532,
  name: 'test',
  nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
  rpcUrls: { default: { http: ['http://127.0.0.1:1'] } },
} as const

describe('argument checks, before any request', () => {
  const registry = new NodeRegistryClient({ publicClient: stubClient({}), addresses })

  test('addresses and models', async () => {
    await expect(registry.getNode('0x12' as Address)).rejects.toThrow(TypeError)
    await expect(registry.isNodeActive('nope' as Address)).rejects.toThrow(
      'address must be an address',
    )
    await expect(registry.getNodeStake(7 as never)).rejects.toThrow(TypeError)
    await expect(registry.getModelPricing({ host: hostA, model: 'no-slash' })).rejects.toThrow(
      TypeError,
    )
    await expect(
      registry.getModelPricing({ host: hostA, model: 'repo/file', token: '0x1' as Address }),
    ).rejects.toThrow('token must be an address')
    await expect(registry.getHostModelPrices({ host: 'x' as Address })).rejects.toThrow(
      'host must be an address',
    )
    await expect(registry.getNodesForModel(42 as never)).rejects.toThrow('model must be a string')
    await expect(registry.isModelApproved('0x1234')).rejects.toThrow(TypeError)
    await expect(registry.getModel('/file')).rejects.toThrow(TypeError)
    await expect(registry.getAllActiveNodes({ model: 'repo/' })).rejects.toThrow(TypeError)
  })

  test('timeoutMs', async () => {
    await expect(registry.isNodeActive(hostA, { timeoutMs: -5 })).rejects.toThrow(RangeError)
  })

  test('watch options', () => {
    expect(() => registry.watch({ onNodeChange: () => {} } as never)).toThrow(TypeError)
    expect(() =>
      registry.watch({ onNodeChange: () => {}, onError: () => {}, pollingIntervalMs: -1 }),
    ).toThrow(RangeError)
    expect(() =>
      registry.watch({ onNodeChange: () => {}, onError: () => {}, fromBlock: -1n }),
    ).toThrow(TypeError)
  })
})

describe('deployed-registry behaviour through a stub at the EIP-1193 interface', () => {
  test('getNodesForModel drops duplicates, the zero address and hosts that no longer serve the model', async () => {
    const registry = new NodeRegistryClient({
      addresses,
      publicClient: stubClient({
        getNodesForModel: () => ({ result: [hostA, hostB, hostA, zeroAddress, hostC, hostB] }),
        nodeSupportsModel: ([host]) => ({ result: host !== hostB }),
      }),
    })
    await expect(registry.getNodesForModel(modelId)).resolves.toEqual([hostA, hostC])
  })

  test('a "No model pricing" revert string becomes ModelPricingNotSet', async () => {
    const registry = new NodeRegistryClient({
      addresses,
      publicClient: stubClient({ getModelPricing: () => ({ revert: 'No model pricing' }) }),
    })
    const error = await registry
      .getModelPricing({ host: hostA, model: modelId })
      .catch((caught: unknown) => caught)
    expect(ContractError.isInstance(error)).toBe(true)
    expect(error).toMatchObject({
      code: 'CONTRACT_REVERTED',
      errorName: 'ModelPricingNotSet',
      reason: 'No model pricing',
      args: [hostA, modelId, zeroAddress],
      functionName: 'getModelPricing',
      shortMessage: 'getModelPricing reverted: ModelPricingNotSet',
    })
  })

  test('other revert strings stay as they are', async () => {
    const registry = new NodeRegistryClient({
      addresses,
      publicClient: stubClient({ getModelPricing: () => ({ revert: 'Paused' }) }),
    })
    await expect(registry.getModelPricing({ host: hostA, model: modelId })).rejects.toMatchObject({
      code: 'CONTRACT_REVERTED',
      errorName: 'Error',
      reason: 'Paused',
    })
  })

  test('a host whose read reverts is left out of the listing and reported', async () => {
    const registry = new NodeRegistryClient({
      addresses,
      concurrency: 1,
      publicClient: stubClient({
        getAllActiveNodes: () => ({ result: [hostA, hostB, hostC, hostA] }),
        getNodeFullInfo: ([host]) => {
          if (host === hostB) return { revert: 'corrupt node' }
          if (host === hostC) {
            return { result: [zeroAddress, 0n, false, '', '', [], 0n, 0n] }
          }
          return fullInfo(hostA, JSON.stringify({ ed25519PublicKey, capabilities: ['stream'] }))
        },
      }),
    })
    const failures: [Address, string | undefined][] = []
    const hosts = await registry.getAllActiveNodes({
      onHostError: (address, error) => failures.push([address, error.reason]),
    })
    expect(hosts.map((host) => host.address)).toEqual([hostA])
    expect(hosts[0]).toMatchObject({
      metadataValid: true,
      capabilities: ['streaming'],
      stake: 10n ** 21n,
      minPricePerTokenNative: 1n,
      minPricePerTokenStable: 2n,
    })
    expect(failures).toEqual([[hostB, 'corrupt node']])
    // Without onHostError the host is still left out.
    await expect(registry.getAllActiveNodes()).resolves.toHaveLength(1)
  })

  test('a listing that reverts fails as a whole', async () => {
    const registry = new NodeRegistryClient({
      addresses,
      publicClient: stubClient({ getAllActiveNodes: () => ({ revert: 'broken' }) }),
    })
    await expect(registry.getAllActiveNodes()).rejects.toMatchObject({
      code: 'CONTRACT_REVERTED',
      functionName: 'getAllActiveNodes',
    })
  })

  test('an RPC that never answers: timeoutMs rejects with a TimeoutError', async () => {
    const registry = new NodeRegistryClient({
      addresses,
      publicClient: stubClient({ isActiveNode: () => 'hang', getAllActiveNodes: () => 'hang' }),
    })
    const error = await registry.isNodeActive(hostA, { timeoutMs: 20 }).catch((e: unknown) => e)
    expect(isAbortError(error)).toBe(true)
    expect((error as Error).name).toBe('TimeoutError')
    await expect(registry.getAllActiveNodes({ timeoutMs: 1 })).rejects.toMatchObject({
      name: 'TimeoutError',
    })
  })

  test('the client-wide default deadline applies', async () => {
    const registry = new NodeRegistryClient({
      addresses,
      timeoutMs: 10,
      publicClient: stubClient({ isActiveNode: () => 'hang' }),
    })
    await expect(registry.isNodeActive(hostA)).rejects.toMatchObject({ name: 'TimeoutError' })
  })

  test('an RPC that never answers: aborting rejects with the signal reason', async () => {
    const registry = new NodeRegistryClient({
      addresses,
      publicClient: stubClient({ getHostModelPrices: () => 'hang' }),
    })
    const controller = new AbortController()
    const pending = registry.getHostModelPrices({ host: hostA, signal: controller.signal })
    const reason = new Error('user cancelled')
    controller.abort(reason)
    await expect(pending).rejects.toBe(reason)
  })

  test('a cached listing without a watch reads the chain', async () => {
    let listings = 0
    const registry = new NodeRegistryClient({
      addresses,
      publicClient: stubClient({
        getAllActiveNodes: () => {
          listings += 1
          return { result: [hostA] }
        },
        getNodeFullInfo: () => fullInfo(hostA, 'not json'),
      }),
    })
    const [host] = await registry.getAllActiveNodes({ cache: true })
    await registry.getAllActiveNodes({ cache: true })
    expect(listings).toBe(2)
    expect(host).toMatchObject({
      metadataValid: false,
      reason: 'metadata is not valid JSON',
      rawMetadata: 'not json',
      capabilities: [],
    })
  })
})

describe('watch and cache through a stub at the EIP-1193 interface', () => {
  const poll = <value>(read: () => value) => expect.poll(read, { timeout: 20_000, interval: 10 })

  test("an event during a full listing: the event's newer read wins in the cache", async () => {
    const logs: unknown[] = []
    const held = gate<Answer>()
    let reads = 0
    let listings = 0
    const registry = new NodeRegistryClient({
      addresses,
      publicClient: stubClient(
        {
          getAllActiveNodes: () => {
            listings += 1
            return { result: [hostA] }
          },
          getNodeFullInfo: () => {
            reads += 1
            // The listing's read is held back; the event's re-read answers at once.
            return reads === 1
              ? held.promise
              : fullInfo(hostA, JSON.stringify({ ed25519PublicKey, name: 'new' }))
          },
        },
        logs,
      ),
    })
    const changes: NodeChange[] = []
    const errors: unknown[] = []
    const unwatch = registry.watch({
      onNodeChange: (change) => changes.push(change),
      onError: (error) => errors.push(error),
      pollingIntervalMs: 10,
    })
    try {
      const listing = registry.getAllActiveNodes({ cache: true })
      await poll(() => reads).toBe(1)
      logs.push(eventLog('MetadataUpdated', hostA, 'new'))
      await poll(() => changes.length).toBe(1)
      expect(changes[0]).toMatchObject({
        type: 'metadata-updated',
        address: hostA,
        node: { metadata: { name: 'new' } },
        blockNumber: BigInt(100 + logIndex),
      })
      held.release(fullInfo(hostA, JSON.stringify({ ed25519PublicKey, name: 'old' })))
      const listed = await listing
      expect(listed[0]?.metadata).toMatchObject({ name: 'old' })
      // The cache kept the event's read, and now answers without the chain.
      const cached = await registry.getAllActiveNodes({ cache: true })
      expect(cached[0]?.metadata).toMatchObject({ name: 'new' })
      expect(listings).toBe(1)
      expect(errors).toEqual([])
    } finally {
      unwatch()
    }
  })

  test('a failed re-read goes to onError and makes the cache stale', async () => {
    const logs: unknown[] = []
    let listings = 0
    let failing = false
    const registry = new NodeRegistryClient({
      addresses,
      publicClient: stubClient(
        {
          getAllActiveNodes: () => {
            listings += 1
            return { result: [hostA] }
          },
          getNodeFullInfo: () =>
            failing
              ? { revert: 'node store corrupt' }
              : fullInfo(hostA, JSON.stringify({ ed25519PublicKey })),
        },
        logs,
      ),
    })
    const changes: NodeChange[] = []
    const errors: unknown[] = []
    const unwatch = registry.watch({
      onNodeChange: (change) => changes.push(change),
      onError: (error) => errors.push(error),
      pollingIntervalMs: 10,
    })
    try {
      await registry.getAllActiveNodes({ cache: true })
      await registry.getAllActiveNodes({ cache: true })
      expect(listings).toBe(1)
      failing = true
      logs.push(eventLog('ApiUrlUpdated', hostA, 'http://127.0.0.1:9'))
      await poll(() => errors.length).toBe(1)
      expect(errors[0]).toMatchObject({
        code: 'CONTRACT_REVERTED',
        functionName: 'getNodeFullInfo',
        reason: 'node store corrupt',
      })
      expect(changes).toEqual([])
      failing = false
      await registry.getAllActiveNodes({ cache: true })
      expect(listings).toBe(2)
    } finally {
      unwatch()
    }
  })

  test('unwatch cancels a re-read in flight: no change and no error afterwards', async () => {
    const logs: unknown[] = []
    let reads = 0
    const registry = new NodeRegistryClient({
      addresses,
      publicClient: stubClient(
        {
          getNodeFullInfo: () => {
            reads += 1
            return 'hang'
          },
        },
        logs,
      ),
    })
    const changes: NodeChange[] = []
    const errors: unknown[] = []
    const unwatch = registry.watch({
      onNodeChange: (change) => changes.push(change),
      onError: (error) => errors.push(error),
      pollingIntervalMs: 10,
    })
    logs.push(eventLog('MetadataUpdated', hostB, '{}'))
    await poll(() => reads).toBe(1)
    unwatch()
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect(changes).toEqual([])
    expect(errors).toEqual([])
  })

  test('an onError that throws surfaces as an uncaught exception, like a throwing listener', async () => {
    const logs: unknown[] = []
    const registry = new NodeRegistryClient({
      addresses,
      publicClient: stubClient(
        { getNodeFullInfo: () => fullInfo(hostA, JSON.stringify({ ed25519PublicKey })) },
        logs,
      ),
    })
    const uncaught: unknown[] = []
    const onUncaught = (error: unknown) => uncaught.push(error)
    const listeners = process.listeners('uncaughtException')
    process.removeAllListeners('uncaughtException')
    process.on('uncaughtException', onUncaught)
    const unwatch = registry.watch({
      onNodeChange: () => {
        throw new Error('listener failed')
      },
      onError: () => {
        throw new Error('handler failed')
      },
      pollingIntervalMs: 10,
    })
    try {
      logs.push(eventLog('MetadataUpdated', hostA, '{}'))
      await poll(() => uncaught.length).toBe(1)
      expect((uncaught[0] as Error).message).toBe('handler failed')
    } finally {
      unwatch()
      process.off('uncaughtException', onUncaught)
      for (const listener of listeners) process.on('uncaughtException', listener)
    }
  })
})
