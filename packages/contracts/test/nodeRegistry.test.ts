import type { Address, Hex } from 'viem'
import { describe, expect, test } from 'vitest'
import { getModelId, MIN_STAKE, NATIVE_TOKEN } from '../src/index.js'
import {
  type Actor,
  approve,
  at,
  balanceOf,
  confirm,
  expectRevert,
  FAB,
  getEventArgs,
  modelsAbi,
  registerHost,
  registryAbi,
  setPricing,
  tokenAbi,
  useTestChain,
} from './chainHelpers.js'

const chain = useTestChain()

const read = {
  fullInfo: (address: Address) =>
    chain.publicClient.readContract({
      address: chain.contracts.nodeRegistry,
      abi: registryAbi,
      functionName: 'getNodeFullInfo',
      args: [address],
    }),
  activeNodes: () =>
    chain.publicClient.readContract({
      address: chain.contracts.nodeRegistry,
      abi: registryAbi,
      functionName: 'getAllActiveNodes',
    }),
  isActive: (address: Address) =>
    chain.publicClient.readContract({
      address: chain.contracts.nodeRegistry,
      abi: registryAbi,
      functionName: 'isActiveNode',
      args: [address],
    }),
  nodesForModel: (model: Hex) =>
    chain.publicClient.readContract({
      address: chain.contracts.nodeRegistry,
      abi: registryAbi,
      functionName: 'getNodesForModel',
      args: [model],
    }),
  supports: (address: Address, model: Hex) =>
    chain.publicClient.readContract({
      address: chain.contracts.nodeRegistry,
      abi: registryAbi,
      functionName: 'nodeSupportsModel',
      args: [address, model],
    }),
  pricing: (address: Address, model: Hex, token: Address) =>
    chain.publicClient.readContract({
      address: chain.contracts.nodeRegistry,
      abi: registryAbi,
      functionName: 'getModelPricing',
      args: [address, model, token],
    }),
  hostPrices: (address: Address, token: Address) =>
    chain.publicClient.readContract({
      address: chain.contracts.nodeRegistry,
      abi: registryAbi,
      functionName: 'getHostModelPrices',
      args: [address, token],
    }),
}

const write = (
  host: Actor,
  functionName:
    | 'unregisterNode'
    | 'stake'
    | 'updateMetadata'
    | 'updateApiUrl'
    | 'updateSupportedModels'
    | 'clearModelTokenPricing'
    | 'setModelTokenPricing',
  args: readonly unknown[] = [],
) =>
  host.walletClient.writeContract({
    address: chain.contracts.nodeRegistry,
    abi: registryAbi,
    functionName,
    // The per-function argument types are checked where it matters: in the registry's ABI.
    args: args as never,
  })

const sorted = (addresses: readonly Address[]) => [...addresses].sort()

const emptyInfo = [
  '0x0000000000000000000000000000000000000000',
  0n,
  false,
  '',
  '',
  [],
  0n,
  0n,
] as const

describe('registration and staking', () => {
  test('registerNode pulls exactly MIN_STAKE with transferFrom and records the node', async () => {
    const host = at(chain.hosts, 0)
    const [m0, m1, m2] = [at(chain.models, 0), at(chain.models, 1), at(chain.models, 2)]
    const fab = chain.contracts.fabToken
    const before = await balanceOf(chain, fab, host.address)
    expect(before).toBe(10_000n * FAB)

    const metadata = '{"name":"host zero","region":"eu"}'
    const apiUrl = 'http://127.0.0.1:9000'
    const receipt = await registerHost(chain, host, {
      models: [m0, m1],
      metadata,
      apiUrl,
      minPricePerTokenNative: 2_000n,
      minPricePerTokenStable: 3_000n,
    })

    expect(MIN_STAKE).toBe(1000n * FAB)
    expect(await balanceOf(chain, fab, host.address)).toBe(before - MIN_STAKE)
    expect(await balanceOf(chain, fab, chain.contracts.nodeRegistry)).toBe(MIN_STAKE)
    // The allowance was used up by the transferFrom.
    expect(
      await chain.publicClient.readContract({
        address: fab,
        abi: tokenAbi,
        functionName: 'allowance',
        args: [host.address, chain.contracts.nodeRegistry],
      }),
    ).toBe(0n)
    expect(getEventArgs(receipt, registryAbi, 'NodeRegistered')).toEqual([
      { operator: host.address, stakedAmount: MIN_STAKE, metadata, models: [m0, m1] },
    ])
    expect(await read.fullInfo(host.address)).toEqual([
      host.address,
      MIN_STAKE,
      true,
      metadata,
      apiUrl,
      [m0, m1],
      2_000n,
      3_000n,
    ])
    expect(await read.activeNodes()).toEqual([host.address])
    expect(await read.isActive(host.address)).toBe(true)
    expect(await read.isActive(at(chain.hosts, 1).address)).toBe(false)
    expect(await read.nodesForModel(m0)).toEqual([host.address])
    expect(await read.nodesForModel(m1)).toEqual([host.address])
    expect(await read.nodesForModel(m2)).toEqual([])
    expect(await read.supports(host.address, m0)).toBe(true)
    expect(await read.supports(host.address, m2)).toBe(false)
  })

  test('stake adds to the stake; unregisterNode returns the whole stake and forgets the host', async () => {
    const host = at(chain.hosts, 0)
    const m0 = at(chain.models, 0)
    const fab = chain.contracts.fabToken
    await registerHost(chain, host, { models: [m0] })

    await expectRevert(write(host, 'stake', [0n]), 'ZeroAmount', [])
    await approve(chain, host, fab, chain.contracts.nodeRegistry, 500n * FAB)
    const staked = await confirm(chain, write(host, 'stake', [500n * FAB]))
    expect(getEventArgs(staked, registryAbi, 'StakeAdded')).toEqual([
      { operator: host.address, amount: 500n * FAB },
    ])
    const [, stakedAmount] = await read.fullInfo(host.address)
    expect(stakedAmount).toBe(1_500n * FAB)
    expect(await balanceOf(chain, fab, host.address)).toBe(8_500n * FAB)
    expect(await balanceOf(chain, fab, chain.contracts.nodeRegistry)).toBe(1_500n * FAB)

    const receipt = await confirm(chain, write(host, 'unregisterNode'))
    expect(getEventArgs(receipt, registryAbi, 'NodeUnregistered')).toEqual([
      { operator: host.address, returnedAmount: 1_500n * FAB },
    ])
    expect(await balanceOf(chain, fab, host.address)).toBe(10_000n * FAB)
    expect(await balanceOf(chain, fab, chain.contracts.nodeRegistry)).toBe(0n)
    expect(await read.fullInfo(host.address)).toEqual(emptyInfo)
    expect(await read.isActive(host.address)).toBe(false)
    expect(await read.activeNodes()).toEqual([])
    expect(await read.nodesForModel(m0)).toEqual([])
    expect(await read.supports(host.address, m0)).toBe(false)

    // Unregistered, it may register again.
    await registerHost(chain, host, { models: [m0] })
    expect(await read.activeNodes()).toEqual([host.address])
  })

  test('unregistering the middle of three hosts keeps the other two intact everywhere', async () => {
    const [h0, h1, h2] = [at(chain.hosts, 0), at(chain.hosts, 1), at(chain.hosts, 2)]
    const [m0, m1, m2] = [at(chain.models, 0), at(chain.models, 1), at(chain.models, 2)]
    await registerHost(chain, h0, { models: [m0, m1], metadata: 'zero', apiUrl: 'http://a' })
    await registerHost(chain, h1, { models: [m0, m1, m2], metadata: 'one', apiUrl: 'http://b' })
    await registerHost(chain, h2, { models: [m1, m0], metadata: 'two', apiUrl: 'http://c' })
    const info0 = await read.fullInfo(h0.address)
    const info2 = await read.fullInfo(h2.address)
    expect(await read.activeNodes()).toEqual([h0.address, h1.address, h2.address])

    await confirm(chain, write(h1, 'unregisterNode'))

    expect(await read.activeNodes()).toEqual([h0.address, h2.address])
    expect(sorted(await read.nodesForModel(m0))).toEqual(sorted([h0.address, h2.address]))
    expect(sorted(await read.nodesForModel(m1))).toEqual(sorted([h0.address, h2.address]))
    expect(await read.nodesForModel(m2)).toEqual([])
    expect(await read.fullInfo(h0.address)).toEqual(info0)
    expect(await read.fullInfo(h2.address)).toEqual(info2)
    expect(await read.fullInfo(h1.address)).toEqual(emptyInfo)
    expect(await read.isActive(h0.address)).toBe(true)
    expect(await read.isActive(h1.address)).toBe(false)
    expect(await read.isActive(h2.address)).toBe(true)
    expect(await balanceOf(chain, chain.contracts.fabToken, chain.contracts.nodeRegistry)).toBe(
      2n * MIN_STAKE,
    )

    // The survivors still leave cleanly.
    await confirm(chain, write(h0, 'unregisterNode'))
    expect(await read.activeNodes()).toEqual([h2.address])
    expect(await read.nodesForModel(m0)).toEqual([h2.address])
    await confirm(chain, write(h2, 'unregisterNode'))
    expect(await read.activeNodes()).toEqual([])
    expect(await read.nodesForModel(m1)).toEqual([])
  })

  test('registerNode rejects unapproved models, a missing allowance, a second registration and bad input', async () => {
    const host = at(chain.hosts, 0)
    const m0 = at(chain.models, 0)
    const registry = chain.contracts.nodeRegistry
    const register = (models: Hex[], apiUrl = 'http://h', native = 1n, stable = 1n) =>
      host.walletClient.writeContract({
        address: registry,
        abi: registryAbi,
        functionName: 'registerNode',
        args: ['{}', apiUrl, models, native, stable],
      })

    // No allowance: the FAB transferFrom fails with the token's own error.
    await expectRevert(register([m0]), 'ERC20InsufficientAllowance', [registry, 0n, MIN_STAKE])

    await approve(chain, host, chain.contracts.fabToken, registry, MIN_STAKE)
    const unapproved = getModelId('nobody/unapproved.gguf')
    await expectRevert(register([m0, unapproved]), 'ModelNotApproved', [unapproved])
    await expectRevert(register([]), 'NoModels', [])
    await expectRevert(register([m0], ''), 'EmptyApiUrl', [])
    await expectRevert(register([m0], 'http://h', 0n, 1n), 'InvalidPrice', [])
    await expectRevert(register([m0], 'http://h', 1n, 0n), 'InvalidPrice', [])
    expect(await balanceOf(chain, chain.contracts.fabToken, host.address)).toBe(10_000n * FAB)

    await confirm(chain, register([m0]))
    await approve(chain, host, chain.contracts.fabToken, registry, MIN_STAKE)
    await expectRevert(register([m0]), 'AlreadyRegistered', [host.address])
    expect(await balanceOf(chain, chain.contracts.fabToken, host.address)).toBe(
      10_000n * FAB - MIN_STAKE,
    )
  })

  test('a model deactivated in the ModelRegistry can no longer be registered', async () => {
    const m1 = at(chain.models, 1)
    await confirm(
      chain,
      chain.deployer.walletClient.writeContract({
        address: chain.contracts.modelRegistry,
        abi: modelsAbi,
        functionName: 'deactivateModel',
        args: [m1],
      }),
    )
    const host = at(chain.hosts, 0)
    await approve(chain, host, chain.contracts.fabToken, chain.contracts.nodeRegistry, MIN_STAKE)
    await expectRevert(
      host.walletClient.writeContract({
        address: chain.contracts.nodeRegistry,
        abi: registryAbi,
        functionName: 'registerNode',
        args: ['{}', 'http://h', [m1], 1n, 1n],
      }),
      'ModelNotApproved',
      [m1],
    )
  })

  test('an unregistered address cannot stake, update, price or unregister (NotRegistered)', async () => {
    const host = at(chain.hosts, 2)
    const m0 = at(chain.models, 0)
    const calls = [
      () => write(host, 'unregisterNode'),
      () => write(host, 'stake', [1n]),
      () => write(host, 'updateMetadata', ['{}']),
      () => write(host, 'updateApiUrl', ['http://x']),
      () => write(host, 'updateSupportedModels', [[m0]]),
      () => write(host, 'setModelTokenPricing', [m0, NATIVE_TOKEN, 1n]),
      () => write(host, 'clearModelTokenPricing', [m0, NATIVE_TOKEN]),
    ]
    for (const call of calls) await expectRevert(call(), 'NotRegistered', [host.address])
  })

  test('updateMetadata, updateApiUrl and updateSupportedModels emit their events and take effect', async () => {
    const host = at(chain.hosts, 0)
    const [m0, m1, m2] = [at(chain.models, 0), at(chain.models, 1), at(chain.models, 2)]
    await registerHost(chain, host, {
      models: [m0, m1],
      metadata: 'old',
      apiUrl: 'http://old',
      minPricePerTokenNative: 5n,
      minPricePerTokenStable: 7n,
    })

    const metadata = '{"name":"renamed","capabilities":["chat"]}'
    const metadataReceipt = await confirm(chain, write(host, 'updateMetadata', [metadata]))
    expect(getEventArgs(metadataReceipt, registryAbi, 'MetadataUpdated')).toEqual([
      { operator: host.address, metadata },
    ])
    // Metadata is not validated on chain: anything goes, even an empty string.
    await confirm(chain, write(host, 'updateMetadata', ['']))
    await confirm(chain, write(host, 'updateMetadata', [metadata]))

    const apiReceipt = await confirm(chain, write(host, 'updateApiUrl', ['https://host.example']))
    expect(getEventArgs(apiReceipt, registryAbi, 'ApiUrlUpdated')).toEqual([
      { operator: host.address, apiUrl: 'https://host.example' },
    ])
    await expectRevert(write(host, 'updateApiUrl', ['']), 'EmptyApiUrl', [])

    const modelsReceipt = await confirm(chain, write(host, 'updateSupportedModels', [[m2, m1]]))
    expect(getEventArgs(modelsReceipt, registryAbi, 'ModelsUpdated')).toEqual([
      { operator: host.address, models: [m2, m1] },
    ])
    await expectRevert(write(host, 'updateSupportedModels', [[]]), 'NoModels', [])
    const unapproved = getModelId('nobody/unapproved.gguf')
    await expectRevert(
      write(host, 'updateSupportedModels', [[m0, unapproved]]),
      'ModelNotApproved',
      [unapproved],
    )

    expect(await read.fullInfo(host.address)).toEqual([
      host.address,
      MIN_STAKE,
      true,
      metadata,
      'https://host.example',
      [m2, m1],
      5n,
      7n,
    ])
    expect(await read.nodesForModel(m0)).toEqual([])
    expect(await read.nodesForModel(m1)).toEqual([host.address])
    expect(await read.nodesForModel(m2)).toEqual([host.address])
    expect(await read.supports(host.address, m0)).toBe(false)
    expect(await read.supports(host.address, m2)).toBe(true)
  })
})

describe('duplicate model ids', () => {
  test('registerNode with a repeated model id reverts DuplicateModel', async () => {
    const host = at(chain.hosts, 0)
    const [m0, m1] = [at(chain.models, 0), at(chain.models, 1)]
    await approve(chain, host, chain.contracts.fabToken, chain.contracts.nodeRegistry, MIN_STAKE)
    for (const models of [
      [m0, m0],
      [m0, m1, m0],
      [m1, m0, m1],
    ]) {
      await expectRevert(
        host.walletClient.writeContract({
          address: chain.contracts.nodeRegistry,
          abi: registryAbi,
          functionName: 'registerNode',
          args: ['{}', 'http://h', models, 1n, 1n],
        }),
        'DuplicateModel',
        [models.at(-1)],
      )
    }
    expect(await read.activeNodes()).toEqual([])
  })

  test('updateSupportedModels with a repeated model id reverts DuplicateModel and changes nothing', async () => {
    const host = at(chain.hosts, 0)
    const [m0, m1, m2] = [at(chain.models, 0), at(chain.models, 1), at(chain.models, 2)]
    await registerHost(chain, host, { models: [m0, m1] })
    await expectRevert(write(host, 'updateSupportedModels', [[m2, m2]]), 'DuplicateModel', [m2])
    await expectRevert(write(host, 'updateSupportedModels', [[m0, m2, m0]]), 'DuplicateModel', [m0])
    const [, , , , , supportedModels] = await read.fullInfo(host.address)
    expect(supportedModels).toEqual([m0, m1])
    expect(await read.nodesForModel(m0)).toEqual([host.address])
    expect(await read.nodesForModel(m1)).toEqual([host.address])
    expect(await read.nodesForModel(m2)).toEqual([])
  })

  test('getNodesForModel always equals the hosts for which nodeSupportsModel is true', async () => {
    const [h0, h1, h2] = [at(chain.hosts, 0), at(chain.hosts, 1), at(chain.hosts, 2)]
    const [m0, m1, m2] = [at(chain.models, 0), at(chain.models, 1), at(chain.models, 2)]
    const models = [m0, m1, m2]
    const hosts = [h0, h1, h2]
    /** What each host should support; absent = not registered. */
    const expected = new Map<Address, Hex[]>()

    const register = async (host: Actor, list: Hex[]) => {
      await registerHost(chain, host, { models: list })
      expected.set(host.address, list)
    }
    const update = async (host: Actor, list: Hex[]) => {
      await confirm(chain, write(host, 'updateSupportedModels', [list]))
      expected.set(host.address, list)
    }
    const unregister = async (host: Actor) => {
      await confirm(chain, write(host, 'unregisterNode'))
      expected.delete(host.address)
    }
    const crossCheck = async (step: string) => {
      for (const model of models) {
        const listed = await read.nodesForModel(model)
        expect(new Set(listed).size, `${step}: no host listed twice`).toBe(listed.length)
        const supporting: Address[] = []
        for (const host of hosts) {
          if (await read.supports(host.address, model)) supporting.push(host.address)
        }
        const wanted = hosts
          .filter((host) => expected.get(host.address)?.includes(model))
          .map((host) => host.address)
        expect(sorted(listed), `${step}: getNodesForModel = nodeSupportsModel`).toEqual(
          sorted(supporting),
        )
        expect(sorted(listed), `${step}: getNodesForModel = expected`).toEqual(sorted(wanted))
      }
      for (const host of hosts) {
        const [, , active, , , supportedModels] = await read.fullInfo(host.address)
        expect(active, `${step}: active`).toBe(expected.has(host.address))
        expect(supportedModels, `${step}: supportedModels`).toEqual(
          expected.get(host.address) ?? [],
        )
      }
      expect(sorted(await read.activeNodes()), `${step}: active nodes`).toEqual(
        sorted([...expected.keys()]),
      )
    }

    const steps: [string, () => Promise<void>][] = [
      ['h0 registers m0 m1', () => register(h0, [m0, m1])],
      ['h1 registers m1 m2', () => register(h1, [m1, m2])],
      ['h2 registers m0 m1 m2', () => register(h2, [m0, m1, m2])],
      ['h0 moves to m1 m2', () => update(h0, [m1, m2])],
      ['h1 moves to m0', () => update(h1, [m0])],
      ['h2 moves to m2 m0', () => update(h2, [m2, m0])],
      [
        'h0 tries a duplicate',
        () => expectRevert(write(h0, 'updateSupportedModels', [[m1, m1]]), 'DuplicateModel', [m1]),
      ],
      ['h2 keeps the same set', () => update(h2, [m2, m0])],
      ['h1 unregisters', () => unregister(h1)],
      ['h0 takes all three', () => update(h0, [m0, m1, m2])],
      ['h2 unregisters', () => unregister(h2)],
      ['h1 registers again with m2 m1', () => register(h1, [m2, m1])],
      ['h2 registers again with m1', () => register(h2, [m1])],
      ['h0 unregisters', () => unregister(h0)],
      ['h1 drops to m1', () => update(h1, [m1])],
      ['h2 unregisters again', () => unregister(h2)],
      ['h1 unregisters', () => unregister(h1)],
    ]
    for (const [step, run] of steps) {
      await run()
      await crossCheck(step)
    }
  })
})

describe('pricing', () => {
  const setupHost = async () => {
    const host = at(chain.hosts, 0)
    await registerHost(chain, host, { models: [at(chain.models, 0), at(chain.models, 1)] })
    return host
  }

  test('setModelTokenPricing for the native token and USDC emits ModelTokenPricingUpdated', async () => {
    const host = await setupHost()
    const [m0, m1] = [at(chain.models, 0), at(chain.models, 1)]
    const usdc = chain.contracts.usdcToken

    const native = await setPricing(chain, host, m0, NATIVE_TOKEN, 2_000_000_000n)
    expect(getEventArgs(native, registryAbi, 'ModelTokenPricingUpdated')).toEqual([
      { operator: host.address, modelId: m0, token: NATIVE_TOKEN, price: 2_000_000_000n },
    ])
    const stable = await setPricing(chain, host, m1, usdc, 5_000n)
    expect(getEventArgs(stable, registryAbi, 'ModelTokenPricingUpdated')).toEqual([
      { operator: host.address, modelId: m1, token: usdc, price: 5_000n },
    ])

    expect(await read.pricing(host.address, m0, NATIVE_TOKEN)).toBe(2_000_000_000n)
    expect(await read.pricing(host.address, m1, usdc)).toBe(5_000n)
    expect(await read.hostPrices(host.address, NATIVE_TOKEN)).toEqual([
      [m0, m1],
      [2_000_000_000n, 0n],
    ])
    expect(await read.hostPrices(host.address, usdc)).toEqual([
      [m0, m1],
      [0n, 5_000n],
    ])

    // Setting again overwrites.
    await setPricing(chain, host, m0, NATIVE_TOKEN, 3n)
    expect(await read.pricing(host.address, m0, NATIVE_TOKEN)).toBe(3n)
  })

  test('getModelPricing reverts ModelPricingNotSet when unset and after clearModelTokenPricing', async () => {
    const host = await setupHost()
    const m0 = at(chain.models, 0)
    const usdc = chain.contracts.usdcToken
    await expectRevert(read.pricing(host.address, m0, NATIVE_TOKEN), 'ModelPricingNotSet', [
      host.address,
      m0,
      NATIVE_TOKEN,
    ])
    await expectRevert(read.pricing(host.address, m0, usdc), 'ModelPricingNotSet', [
      host.address,
      m0,
      usdc,
    ])

    await setPricing(chain, host, m0, NATIVE_TOKEN, 10n)
    await setPricing(chain, host, m0, usdc, 20n)
    const cleared = await confirm(chain, write(host, 'clearModelTokenPricing', [m0, NATIVE_TOKEN]))
    expect(getEventArgs(cleared, registryAbi, 'ModelTokenPricingUpdated')).toEqual([
      { operator: host.address, modelId: m0, token: NATIVE_TOKEN, price: 0n },
    ])
    await expectRevert(read.pricing(host.address, m0, NATIVE_TOKEN), 'ModelPricingNotSet', [
      host.address,
      m0,
      NATIVE_TOKEN,
    ])
    // The other token's price is untouched.
    expect(await read.pricing(host.address, m0, usdc)).toBe(20n)
    // Unregistered hosts have no prices either.
    const stranger = at(chain.hosts, 1).address
    await expectRevert(read.pricing(stranger, m0, usdc), 'ModelPricingNotSet', [stranger, m0, usdc])
  })

  test('getHostModelPrices returns zeros for unset prices (and nothing for an unknown host)', async () => {
    const host = await setupHost()
    const [m0, m1] = [at(chain.models, 0), at(chain.models, 1)]
    expect(await read.hostPrices(host.address, NATIVE_TOKEN)).toEqual([
      [m0, m1],
      [0n, 0n],
    ])
    expect(await read.hostPrices(host.address, chain.contracts.usdcToken)).toEqual([
      [m0, m1],
      [0n, 0n],
    ])
    expect(await read.hostPrices(at(chain.hosts, 1).address, NATIVE_TOKEN)).toEqual([[], []])
  })

  test('a price does not outlive the model or the registration it was set for', async () => {
    const host = await setupHost()
    const [m0, m1] = [at(chain.models, 0), at(chain.models, 1)]
    await setPricing(chain, host, m0, NATIVE_TOKEN, 7n)
    await setPricing(chain, host, m1, NATIVE_TOKEN, 9n)
    // Dropping a model hides its price; serving it again brings the host's price back.
    await confirm(chain, write(host, 'updateSupportedModels', [[m1]]))
    await expectRevert(read.pricing(host.address, m0, NATIVE_TOKEN), 'ModelPricingNotSet', [
      host.address,
      m0,
      NATIVE_TOKEN,
    ])
    await confirm(chain, write(host, 'updateSupportedModels', [[m0, m1]]))
    expect(await read.pricing(host.address, m0, NATIVE_TOKEN)).toBe(7n)
    // A new registration starts without the old prices.
    await confirm(chain, write(host, 'unregisterNode'))
    await registerHost(chain, host, { models: [m0, m1] })
    await expectRevert(read.pricing(host.address, m1, NATIVE_TOKEN), 'ModelPricingNotSet', [
      host.address,
      m1,
      NATIVE_TOKEN,
    ])
    expect(await read.hostPrices(host.address, NATIVE_TOKEN)).toEqual([
      [m0, m1],
      [0n, 0n],
    ])
  })

  test('pricing an unsupported model reverts ModelNotSupported; a zero price reverts InvalidPrice', async () => {
    const host = await setupHost()
    const m2 = at(chain.models, 2)
    await expectRevert(
      write(host, 'setModelTokenPricing', [m2, NATIVE_TOKEN, 1n]),
      'ModelNotSupported',
      [host.address, m2],
    )
    await expectRevert(
      write(host, 'setModelTokenPricing', [at(chain.models, 0), NATIVE_TOKEN, 0n]),
      'InvalidPrice',
      [],
    )
  })
})
