import { MIN_STAKE, modelRegistryAbi, NATIVE_TOKEN } from '@fabstir/contracts'
import { createDevnetClients, type Devnet, startDevnet } from '@fabstir/devnet'
import { isAbortError } from '@fabstir/protocol'
import { type Address, createPublicClient, http, zeroAddress } from 'viem'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { ContractError } from '../src/errors/contract.js'
import { NodeRegistryClient } from '../src/NodeRegistryClient.js'
import {
  closedPortUrl,
  hostActions,
  registerHost,
  startSilentServer,
  validMetadata,
} from './utils.js'

let devnet: Devnet
let registry: NodeRegistryClient
/** The registered hosts, by role. */
let good: Address
let second: Address
let malformed: Address
let huge: Address
let wrongTypes: Address
let polluting: Address
let hugeMetadataBytes: number

const unknownHost: Address = '0x000000000000000000000000000000000000dEaD'

beforeAll(async () => {
  devnet = await startDevnet()
  const [m0, m1, m2] = devnet.models
  if (!m0 || !m1 || !m2) throw new Error('the devnet approves three models')
  const [hostA, hostB, hostC] = devnet.accounts.hosts
  const [userA, userB, userC] = devnet.accounts.users
  if (!hostA || !hostB || !hostC || !userA || !userB || !userC) throw new Error('accounts')

  const first = await registerHost(devnet, hostA, {
    metadata: validMetadata(1, { unknownField: { ignored: true } }),
    apiUrl: 'http://127.0.0.1:18080',
    models: [m0.id, m1.id],
  })
  await first.write('setModelTokenPricing', [m0.id, NATIVE_TOKEN, 5000n])
  await first.write('setModelTokenPricing', [m0.id, devnet.contracts.usdcToken, 2000n])
  await registerHost(devnet, hostB, {
    metadata: validMetadata(2),
    apiUrl: 'http://127.0.0.1:18081',
    models: [m1.id],
  })
  await registerHost(devnet, hostC, {
    metadata: '{"name": "broken", "ed25519PublicKey": ',
    apiUrl: 'http://127.0.0.1:18082',
    models: [m2.id],
  })
  // As large as one transaction of the local chain can store; beyond the parser's limit either way.
  const { testClient } = createDevnetClients(devnet, devnet.accounts.deployer)
  await testClient.setBlockGasLimit({ gasLimit: 1_000_000_000n })
  hugeMetadataBytes = 100_000
  const hugeMetadata = () =>
    JSON.stringify({ ed25519PublicKey: 'ab'.repeat(32), padding: 'x'.repeat(hugeMetadataBytes) })
  const hugeHost = hostActions(devnet, userA)
  await hugeHost.approveStake()
  try {
    await hugeHost.write('registerNode', [
      hugeMetadata(),
      'http://127.0.0.1:18083',
      [m2.id],
      1n,
      1n,
    ])
  } catch {
    // A chain that caps a transaction's gas (EIP-7825) cannot store 100 KB at once.
    hugeMetadataBytes = 20_000
    await hugeHost.write('registerNode', [
      hugeMetadata(),
      'http://127.0.0.1:18083',
      [m2.id],
      1n,
      1n,
    ])
  }
  await registerHost(devnet, userB, {
    metadata: JSON.stringify({ ed25519PublicKey: 5, name: ['x'], maxConcurrent: 'many' }),
    apiUrl: 'http://127.0.0.1:18084',
    models: [m1.id],
  })
  await registerHost(devnet, userC, {
    metadata: `{"ed25519PublicKey":"${'cd'.repeat(32)}","__proto__":{"polluted":true},"name":"a\\u0000b"}`,
    apiUrl: 'http://127.0.0.1:18085',
    models: [m1.id],
  })
  ;[good, second, malformed, huge, wrongTypes, polluting] = [
    hostA.address,
    hostB.address,
    hostC.address,
    userA.address,
    userB.address,
    userC.address,
  ]
  registry = new NodeRegistryClient({
    publicClient: createDevnetClients(devnet, devnet.accounts.users[4] ?? userA).publicClient,
    addresses: devnet.contracts,
  })
})

afterAll(async () => {
  await devnet?.stop()
})

const model = (index: number) => {
  const entry = devnet.models[index]
  if (!entry) throw new Error(`no model ${index}`)
  return entry
}

describe('getAllActiveNodes', () => {
  test('valid metadata is parsed; hostile metadata is marked invalid and the other hosts are still returned', async () => {
    const hosts = await registry.getAllActiveNodes()
    expect(hosts.map((host) => host.address)).toEqual([
      good,
      second,
      malformed,
      huge,
      wrongTypes,
      polluting,
    ])
    const byAddress = new Map(hosts.map((host) => [host.address, host]))

    expect(byAddress.get(good)).toEqual({
      address: good,
      apiUrl: 'http://127.0.0.1:18080',
      stake: MIN_STAKE,
      active: true,
      models: [model(0).id, model(1).id],
      minPricePerTokenNative: 1n,
      minPricePerTokenStable: 1n,
      capabilities: ['inference', 'streaming'],
      rawMetadata: validMetadata(1, { unknownField: { ignored: true } }),
      metadataValid: true,
      metadata: {
        name: 'host-1',
        region: 'eu-west',
        hardware: { gpu: 'RTX 4090', vramGb: 24 },
        capabilities: ['inference', 'Streaming', 'stream'],
        maxConcurrent: 4,
        ed25519PublicKey: `0x${'01'.repeat(32)}`,
      },
    })
    expect(byAddress.get(malformed)).toMatchObject({
      metadataValid: false,
      reason: 'metadata is not valid JSON',
      apiUrl: 'http://127.0.0.1:18082',
      capabilities: [],
    })
    expect(byAddress.get(huge)).toMatchObject({
      metadataValid: false,
      reason: 'metadata is larger than 16384 bytes',
    })
    expect(byAddress.get(huge)?.rawMetadata.length).toBeGreaterThan(hugeMetadataBytes)
    expect(byAddress.get(wrongTypes)).toMatchObject({
      metadataValid: false,
      reason: 'name: must be a string',
      metadata: {},
    })
    expect(byAddress.get(polluting)).toMatchObject({
      metadataValid: false,
      reason: '(root): forbidden key "__proto__"',
    })
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
  })

  test('filtered by model, by name or id', async () => {
    const byName = await registry.getAllActiveNodes({ model: model(0).name })
    expect(byName.map((host) => host.address)).toEqual([good])
    const byId = await registry.getAllActiveNodes({ model: model(2).id })
    expect(byId.map((host) => host.address)).toEqual([malformed, huge])
  })

  test('through a client made from rpcUrl', async () => {
    const fromUrl = new NodeRegistryClient({
      rpcUrl: devnet.rpcUrl,
      chainId: devnet.chainId,
      addresses: devnet.contracts,
    })
    expect(fromUrl.chainId).toBe(devnet.chainId)
    const hosts = await fromUrl.getAllActiveNodes()
    expect(hosts).toHaveLength(6)
    expect(await fromUrl.isNodeActive(good)).toBe(true)
  })
})

describe('one host', () => {
  test('getNode, getNodeMetadata, isNodeActive, getNodeStake', async () => {
    await expect(registry.getNode(second)).resolves.toMatchObject({
      address: second,
      metadataValid: true,
      models: [model(1).id],
    })
    await expect(registry.getNodeMetadata(good.toLowerCase() as Address)).resolves.toMatchObject({
      metadataValid: true,
      metadata: { name: 'host-1' },
      rawMetadata: validMetadata(1, { unknownField: { ignored: true } }),
    })
    await expect(registry.getNodeMetadata(wrongTypes)).resolves.toEqual({
      metadataValid: false,
      reason: 'name: must be a string',
      metadata: {},
      rawMetadata: JSON.stringify({ ed25519PublicKey: 5, name: ['x'], maxConcurrent: 'many' }),
    })
    await expect(registry.getNodeMetadata(malformed)).resolves.toEqual({
      metadataValid: false,
      reason: 'metadata is not valid JSON',
      rawMetadata: '{"name": "broken", "ed25519PublicKey": ',
    })
    await expect(registry.isNodeActive(good)).resolves.toBe(true)
    await expect(registry.getNodeStake(good)).resolves.toBe(MIN_STAKE)
  })

  test('an unknown host', async () => {
    await expect(registry.getNode(unknownHost)).resolves.toBeUndefined()
    await expect(registry.getNodeMetadata(unknownHost)).resolves.toBeUndefined()
    await expect(registry.isNodeActive(unknownHost)).resolves.toBe(false)
    await expect(registry.getNodeStake(unknownHost)).resolves.toBe(0n)
    await expect(registry.getHostModelPrices({ host: unknownHost })).resolves.toEqual([])
    await expect(
      registry.getModelPricing({ host: unknownHost, model: model(0).id }),
    ).rejects.toMatchObject({ code: 'CONTRACT_REVERTED', errorName: 'ModelPricingNotSet' })
  })
})

describe('getNodesForModel', () => {
  test('accepts "repo/file", "repo:file" and ids, and every address is cross-checked', async () => {
    const { name, id } = model(1)
    const colon = `${name.slice(0, name.lastIndexOf('/'))}:${name.slice(name.lastIndexOf('/') + 1)}`
    const expected = [good, second, wrongTypes, polluting]
    await expect(registry.getNodesForModel(name)).resolves.toEqual(expected)
    await expect(registry.getNodesForModel(colon)).resolves.toEqual(expected)
    await expect(registry.getNodesForModel(id)).resolves.toEqual(expected)
    await expect(registry.getNodesForModel('nobody/serves-this.gguf')).resolves.toEqual([])
  })

  test('follows a host that changes its models', async () => {
    const hostB = devnet.accounts.hosts[1]
    if (!hostB) throw new Error('accounts')
    const actions = hostActions(devnet, hostB)
    await actions.write('updateSupportedModels', [[model(2).id]])
    try {
      expect(await registry.getNodesForModel(model(1).id)).not.toContain(second)
      expect(await registry.getNodesForModel(model(2).id)).toContain(second)
    } finally {
      await actions.write('updateSupportedModels', [[model(1).id]])
    }
  })
})

describe('pricing', () => {
  test('getModelPricing in the native token by default, and in a token', async () => {
    await expect(registry.getModelPricing({ host: good, model: model(0).name })).resolves.toBe(
      5000n,
    )
    await expect(
      registry.getModelPricing({
        host: good,
        model: model(0).id,
        token: devnet.contracts.usdcToken,
      }),
    ).resolves.toBe(2000n)
  })

  test('an unset price is a ContractError ModelPricingNotSet', async () => {
    const error = await registry
      .getModelPricing({ host: good, model: model(1).id })
      .catch((caught: unknown) => caught)
    expect(ContractError.isInstance(error)).toBe(true)
    expect(error).toMatchObject({
      code: 'CONTRACT_REVERTED',
      errorName: 'ModelPricingNotSet',
      args: [good, model(1).id, NATIVE_TOKEN],
      functionName: 'getModelPricing',
      isRetryable: false,
    })
  })

  test('getHostModelPrices lists every model, unset prices as 0n', async () => {
    await expect(registry.getHostModelPrices({ host: good })).resolves.toEqual([
      { modelId: model(0).id, price: 5000n },
      { modelId: model(1).id, price: 0n },
    ])
    await expect(
      registry.getHostModelPrices({ host: good, token: devnet.contracts.usdcToken }),
    ).resolves.toEqual([
      { modelId: model(0).id, price: 2000n },
      { modelId: model(1).id, price: 0n },
    ])
  })
})

describe('models', () => {
  test('isModelApproved and getModel, decoded by field name', async () => {
    const { name, id } = model(1)
    await expect(registry.isModelApproved(name)).resolves.toBe(true)
    const info = await registry.getModel(name)
    expect(info).toMatchObject({
      id,
      name,
      huggingfaceRepo: name.slice(0, name.lastIndexOf('/')),
      fileName: name.slice(name.lastIndexOf('/') + 1),
      sha256Hash: `0x${'00'.repeat(32)}`,
      approvalTier: 1n,
      active: true,
    })
    expect(info?.timestamp).toBeGreaterThan(0n)
  })

  test('an unknown model', async () => {
    await expect(registry.isModelApproved('nobody/nothing.gguf')).resolves.toBe(false)
    await expect(registry.getModel('nobody/nothing.gguf')).resolves.toBeUndefined()
  })

  test('a deactivated model', async () => {
    const { walletClient, publicClient } = createDevnetClients(devnet, devnet.accounts.deployer)
    const hash = await walletClient.writeContract({
      address: devnet.contracts.modelRegistry,
      abi: modelRegistryAbi,
      functionName: 'deactivateModel',
      args: [model(2).id],
    })
    await publicClient.waitForTransactionReceipt({ hash })
    await expect(registry.isModelApproved(model(2).id)).resolves.toBe(false)
    await expect(registry.getModel(model(2).id)).resolves.toMatchObject({ active: false })
  })
})

describe('failures', () => {
  test('RPC down (a closed loopback port): CHAIN_UNAVAILABLE, through rpcUrl or a client', async () => {
    const url = await closedPortUrl()
    const fromUrl = new NodeRegistryClient({ rpcUrl: url, addresses: devnet.contracts })
    const error = await fromUrl.getAllActiveNodes().catch((caught: unknown) => caught)
    expect(ContractError.isInstance(error)).toBe(true)
    expect(error).toMatchObject({
      code: 'CHAIN_UNAVAILABLE',
      functionName: 'getAllActiveNodes',
      isRetryable: true,
    })
    const fromClient = new NodeRegistryClient({
      publicClient: createPublicClient({ transport: http(url, { retryCount: 0 }) }),
      addresses: devnet.contracts,
    })
    await expect(fromClient.getNodeStake(good)).rejects.toMatchObject({
      code: 'CHAIN_UNAVAILABLE',
      functionName: 'getNodeFullInfo',
    })
  })

  test('an aborted signal rejects with its reason before any request', async () => {
    const reason = new Error('not any more')
    await expect(registry.getAllActiveNodes({ signal: AbortSignal.abort(reason) })).rejects.toBe(
      reason,
    )
    await expect(
      registry.getModel(model(0).id, { signal: AbortSignal.abort(reason) }),
    ).rejects.toBe(reason)
    const aborted = await registry
      .isNodeActive(good, { signal: AbortSignal.abort() })
      .catch((caught: unknown) => caught)
    expect(isAbortError(aborted)).toBe(true)
  })

  test('an RPC that never answers: the deadline rejects', async () => {
    await using server = await startSilentServer()
    const fromUrl = new NodeRegistryClient({ rpcUrl: server.url, addresses: devnet.contracts })
    const error = await fromUrl
      .getAllActiveNodes({ timeoutMs: 200 })
      .catch((caught: unknown) => caught)
    expect(isAbortError(error)).toBe(true)
    expect((error as Error).name).toBe('TimeoutError')
  })

  test('an abort cancels the HTTP request of the client made from rpcUrl', async () => {
    await using server = await startSilentServer()
    const fromUrl = new NodeRegistryClient({ rpcUrl: server.url, addresses: devnet.contracts })
    const controller = new AbortController()
    const pending = fromUrl.getNodeStake(good, { signal: controller.signal })
    pending.catch(() => {})
    // Wait until the request is on the wire, then abort it.
    await expect.poll(() => server.sockets.length, { timeout: 20_000 }).toBe(1)
    const reason = new Error('cancelled')
    controller.abort(reason)
    await expect(pending).rejects.toBe(reason)
    await expect.poll(() => server.sockets[0]?.closed, { timeout: 20_000 }).toBe(true)
  })

  test('a silent RPC behind your own client: the deadline still rejects', async () => {
    await using server = await startSilentServer()
    const fromClient = new NodeRegistryClient({
      publicClient: createPublicClient({ transport: http(server.url, { retryCount: 0 }) }),
      addresses: devnet.contracts,
      timeoutMs: 200,
    })
    await expect(fromClient.isModelApproved(model(0).id)).rejects.toMatchObject({
      name: 'TimeoutError',
    })
  })

  test('the zero address is never reported as a host', async () => {
    await expect(registry.getNode(zeroAddress)).resolves.toBeUndefined()
  })
})
