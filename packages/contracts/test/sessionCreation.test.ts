import { type Address, type Hex, zeroHash } from 'viem'
import { describe, expect, test } from 'vitest'
import {
  getModelId,
  MAX_SESSION_DURATION,
  MIN_DEPOSIT,
  MIN_PROVEN_TOKENS,
  NATIVE_TOKEN,
} from '../src/index.js'
import {
  type Actor,
  approve,
  at,
  balanceOf,
  blockTime,
  confirm,
  createNativeSession,
  createTokenSession,
  expectRevert,
  gasCost,
  getEventArgs,
  marketplaceAbi,
  modelsAbi,
  registerHost,
  registryAbi,
  SessionStatus,
  setPricing,
  USDC,
  useTestChain,
} from './chainHelpers.js'

/** Host 0 serves models 0 and 1 with prices; host 1 serves model 0 without prices; host 2 is not registered. */
const NATIVE_PRICE = 1_000_000n
const USDC_PRICE = 2_000n

const chain = useTestChain({
  setup: async (chain) => {
    const [h0, h1] = [at(chain.hosts, 0), at(chain.hosts, 1)]
    const [m0, m1] = [at(chain.models, 0), at(chain.models, 1)]
    await registerHost(chain, h0, { models: [m0, m1] })
    await setPricing(chain, h0, m0, NATIVE_TOKEN, NATIVE_PRICE)
    await setPricing(chain, h0, m0, chain.contracts.usdcToken, USDC_PRICE)
    await setPricing(chain, h0, m1, NATIVE_TOKEN, NATIVE_PRICE)
    await registerHost(chain, h1, { models: [m0] })
  },
})

type NativeArgs = {
  host: Address
  model: Hex
  pricePerToken: bigint
  maxDuration: bigint
  proofInterval: bigint
  proofTimeoutWindow: bigint
  value: bigint
}

const tryNative = (overrides: Partial<NativeArgs> = {}, user: Actor = at(chain.users, 0)) => {
  const args: NativeArgs = {
    host: at(chain.hosts, 0).address,
    model: at(chain.models, 0),
    pricePerToken: NATIVE_PRICE,
    maxDuration: 3600n,
    proofInterval: 1000n,
    proofTimeoutWindow: 300n,
    value: 10n ** 15n,
    ...overrides,
  }
  return user.walletClient.writeContract({
    address: chain.contracts.jobMarketplace,
    abi: marketplaceAbi,
    functionName: 'createSessionJobForModel',
    args: [
      args.host,
      args.model,
      args.pricePerToken,
      args.maxDuration,
      args.proofInterval,
      args.proofTimeoutWindow,
    ],
    value: args.value,
  })
}

type TokenArgs = Omit<NativeArgs, 'value'> & { token: Address; deposit: bigint }

const tryToken = (overrides: Partial<TokenArgs> = {}, user: Actor = at(chain.users, 0)) => {
  const args: TokenArgs = {
    host: at(chain.hosts, 0).address,
    model: at(chain.models, 0),
    token: chain.contracts.usdcToken,
    deposit: 5n * USDC,
    pricePerToken: USDC_PRICE,
    maxDuration: 3600n,
    proofInterval: 1000n,
    proofTimeoutWindow: 300n,
    ...overrides,
  }
  return user.walletClient.writeContract({
    address: chain.contracts.jobMarketplace,
    abi: marketplaceAbi,
    functionName: 'createSessionJobForModelWithToken',
    args: [
      args.host,
      args.model,
      args.token,
      args.deposit,
      args.pricePerToken,
      args.maxDuration,
      args.proofInterval,
      args.proofTimeoutWindow,
    ],
  })
}

const readSessionTuple = (jobId: bigint) =>
  chain.publicClient.readContract({
    address: chain.contracts.jobMarketplace,
    abi: marketplaceAbi,
    functionName: 'sessionJobs',
    args: [jobId],
  })

const readSessionModel = (jobId: bigint) =>
  chain.publicClient.readContract({
    address: chain.contracts.jobMarketplace,
    abi: marketplaceAbi,
    functionName: 'sessionModel',
    args: [jobId],
  })

describe('creating sessions', () => {
  test('the constants match the package and CHAIN.md', async () => {
    const constant = (functionName: 'MIN_DEPOSIT' | 'MIN_PROVEN_TOKENS' | 'PRICE_PRECISION') =>
      chain.publicClient.readContract({
        address: chain.contracts.jobMarketplace,
        abi: marketplaceAbi,
        functionName,
      })
    expect(await constant('MIN_DEPOSIT')).toBe(MIN_DEPOSIT)
    expect(MIN_DEPOSIT).toBe(100_000_000_000_000n)
    expect(await constant('MIN_PROVEN_TOKENS')).toBe(MIN_PROVEN_TOKENS)
    expect(await constant('PRICE_PRECISION')).toBe(1000n)
    expect(
      await chain.publicClient.readContract({
        address: chain.contracts.jobMarketplace,
        abi: marketplaceAbi,
        functionName: 'disputeWindow',
      }),
    ).toBe(30n)
  })

  test('native: the value is the deposit, the event carries job ids 1, 2, 3 and every field is stored', async () => {
    const [user0, user1] = [at(chain.users, 0), at(chain.users, 1)]
    const host = at(chain.hosts, 0)
    const [m0, m1] = [at(chain.models, 0), at(chain.models, 1)]
    const deposit = 1_000_000_000_000_000n
    const before = await balanceOf(chain, NATIVE_TOKEN, user0.address)

    const first = await createNativeSession(chain, user0, {
      host,
      model: m0,
      deposit,
      pricePerToken: 1_500_000n,
      maxDuration: 7200n,
      proofInterval: 1000n,
      proofTimeoutWindow: 300n,
    })
    expect(first.jobId).toBe(1n)
    expect(getEventArgs(first.receipt, marketplaceAbi, 'SessionJobCreatedForModel')).toEqual([
      { jobId: 1n, depositor: user0.address, host: host.address, modelId: m0, deposit },
    ])
    expect(await balanceOf(chain, NATIVE_TOKEN, user0.address)).toBe(
      before - deposit - gasCost(first.receipt),
    )
    expect(await balanceOf(chain, NATIVE_TOKEN, chain.contracts.jobMarketplace)).toBe(deposit)

    // viem returns the public struct getter as a tuple in declaration order (CHAIN.md).
    const startTime = await blockTime(chain, first.receipt)
    const tuple = await readSessionTuple(1n)
    expect(tuple).toHaveLength(18)
    expect(tuple[0]).toBe(1n) // id
    expect(tuple[1]).toBe(user0.address) // depositor
    expect(tuple[2]).toBe(host.address) // host
    expect(tuple[3]).toBe(NATIVE_TOKEN) // paymentToken
    expect(tuple[4]).toBe(deposit) // deposit
    expect(tuple[5]).toBe(1_500_000n) // pricePerToken
    expect(tuple[6]).toBe(0n) // tokensUsed
    expect(tuple[7]).toBe(7200n) // maxDuration
    expect(tuple[8]).toBe(startTime) // startTime
    expect(tuple[9]).toBe(0n) // lastProofTime
    expect(tuple[10]).toBe(1000n) // proofInterval
    expect(tuple[11]).toBe(300n) // proofTimeoutWindow
    expect(tuple[12]).toBe(SessionStatus.Active) // status
    expect(tuple[13]).toBe(0n) // withdrawnByHost
    expect(tuple[14]).toBe(0n) // refundedToUser
    expect(tuple[15]).toBe('') // conversationCID
    expect(tuple[16]).toBe(zeroHash) // lastProofHash
    expect(tuple[17]).toBe('') // lastProofCID
    expect(await readSessionModel(1n)).toBe(m0)

    const second = await createNativeSession(chain, user1, {
      host,
      model: m1,
      deposit: MIN_DEPOSIT,
      pricePerToken: NATIVE_PRICE,
    })
    expect(second.jobId).toBe(2n)
    expect(await readSessionModel(2n)).toBe(m1)
    const third = await createTokenSession(chain, user0, {
      host,
      model: m0,
      deposit: USDC,
      pricePerToken: USDC_PRICE,
    })
    expect(third.jobId).toBe(3n)
    expect(
      await chain.publicClient.readContract({
        address: chain.contracts.jobMarketplace,
        abi: marketplaceAbi,
        functionName: 'nextJobId',
      }),
    ).toBe(4n)
    expect(await balanceOf(chain, NATIVE_TOKEN, chain.contracts.jobMarketplace)).toBe(
      deposit + MIN_DEPOSIT,
    )
    // An id never issued reads as an empty session.
    const [id, depositor] = await readSessionTuple(99n)
    expect([id, depositor]).toEqual([0n, NATIVE_TOKEN])
  })

  test('ERC-20: after approve the deposit moves from the user into the marketplace', async () => {
    const user = at(chain.users, 2)
    const host = at(chain.hosts, 0)
    const m0 = at(chain.models, 0)
    const usdc = chain.contracts.usdcToken
    expect(await balanceOf(chain, usdc, user.address)).toBe(10_000n * USDC)
    const ethBefore = await balanceOf(chain, NATIVE_TOKEN, chain.contracts.jobMarketplace)

    const { jobId, receipt } = await createTokenSession(chain, user, {
      host,
      model: m0,
      deposit: 5n * USDC,
      pricePerToken: 2_500n,
      maxDuration: 600n,
      proofInterval: 100n,
      proofTimeoutWindow: 60n,
    })
    expect(jobId).toBe(1n)
    expect(getEventArgs(receipt, marketplaceAbi, 'SessionJobCreatedForModel')).toEqual([
      { jobId: 1n, depositor: user.address, host: host.address, modelId: m0, deposit: 5n * USDC },
    ])
    expect(await balanceOf(chain, usdc, user.address)).toBe(9_995n * USDC)
    expect(await balanceOf(chain, usdc, chain.contracts.jobMarketplace)).toBe(5n * USDC)
    expect(await balanceOf(chain, NATIVE_TOKEN, chain.contracts.jobMarketplace)).toBe(ethBefore)
    expect(await readSessionTuple(jobId)).toEqual([
      1n,
      user.address,
      host.address,
      usdc,
      5n * USDC,
      2_500n,
      0n,
      600n,
      await blockTime(chain, receipt),
      0n,
      100n,
      60n,
      SessionStatus.Active,
      0n,
      0n,
      '',
      zeroHash,
      '',
    ])
    expect(await readSessionModel(jobId)).toBe(m0)
  })

  test('ERC-20 without an allowance reverts with the token error', async () => {
    await expectRevert(tryToken(), 'ERC20InsufficientAllowance', [
      chain.contracts.jobMarketplace,
      0n,
      5n * USDC,
    ])
  })
})

describe('session rules', () => {
  test('price: non-zero and at least the host price for the token', async () => {
    await expectRevert(tryNative({ pricePerToken: 0n }), 'InvalidPrice', [])
    await expectRevert(tryNative({ pricePerToken: NATIVE_PRICE - 1n }), 'PriceBelowHostMinimum', [
      NATIVE_PRICE - 1n,
      NATIVE_PRICE,
    ])
    await approve(
      chain,
      at(chain.users, 0),
      chain.contracts.usdcToken,
      chain.contracts.jobMarketplace,
      5n * USDC,
    )
    await expectRevert(tryToken({ pricePerToken: 0n }), 'InvalidPrice', [])
    await expectRevert(tryToken({ pricePerToken: USDC_PRICE - 1n }), 'PriceBelowHostMinimum', [
      USDC_PRICE - 1n,
      USDC_PRICE,
    ])
    // Exactly the host price, and above it, are fine.
    await confirm(chain, tryNative({ pricePerToken: NATIVE_PRICE }))
    await confirm(chain, tryNative({ pricePerToken: NATIVE_PRICE + 1n }))
    await confirm(chain, tryToken({ pricePerToken: USDC_PRICE }))
  })

  test('maxDuration: more than 0, at most 365 days', async () => {
    expect(MAX_SESSION_DURATION).toBe(365n * 24n * 3600n)
    await expectRevert(tryNative({ maxDuration: 0n }), 'InvalidMaxDuration', [0n])
    await expectRevert(
      tryNative({ maxDuration: MAX_SESSION_DURATION + 1n }),
      'InvalidMaxDuration',
      [MAX_SESSION_DURATION + 1n],
    )
    await confirm(chain, tryNative({ maxDuration: MAX_SESSION_DURATION }))
    await confirm(chain, tryNative({ maxDuration: 1n }))
  })

  test('proofInterval: at least MIN_PROVEN_TOKENS (100)', async () => {
    await expectRevert(tryNative({ proofInterval: 99n }), 'ProofIntervalTooSmall', [99n, 100n])
    await expectRevert(tryNative({ proofInterval: 0n }), 'ProofIntervalTooSmall', [0n, 100n])
    await confirm(chain, tryNative({ proofInterval: 100n }))
  })

  test('the deposit must cover proofInterval tokens', async () => {
    // 1000 tokens at 10^15 / 1000 wei each = 10^15 wei.
    const price = 10n ** 15n
    await expectRevert(
      tryNative({ pricePerToken: price, proofInterval: 1000n, value: 10n ** 15n - 1n }),
      'DepositDoesNotCoverProofInterval',
      [10n ** 15n - 1n, 10n ** 15n],
    )
    await confirm(
      chain,
      tryNative({ pricePerToken: price, proofInterval: 1000n, value: 10n ** 15n }),
    )

    // 1,000,000 tokens at 2000 / 1000 base units each = 2 USDC.
    await approve(
      chain,
      at(chain.users, 0),
      chain.contracts.usdcToken,
      chain.contracts.jobMarketplace,
      2n * USDC,
    )
    await expectRevert(
      tryToken({ proofInterval: 1_000_000n, deposit: 2n * USDC - 1n }),
      'DepositDoesNotCoverProofInterval',
      [2n * USDC - 1n, 2n * USDC],
    )
    await confirm(chain, tryToken({ proofInterval: 1_000_000n, deposit: 2n * USDC }))
  })

  test('proofTimeoutWindow: between 60 and 3600 seconds', async () => {
    await expectRevert(tryNative({ proofTimeoutWindow: 59n }), 'InvalidProofTimeoutWindow', [59n])
    await expectRevert(tryNative({ proofTimeoutWindow: 3601n }), 'InvalidProofTimeoutWindow', [
      3601n,
    ])
    await confirm(chain, tryNative({ proofTimeoutWindow: 60n }))
    await confirm(chain, tryNative({ proofTimeoutWindow: 3600n }))
  })

  test('native deposits: at least 0.0001 ether; token deposits: at least the token minimum', async () => {
    await expectRevert(tryNative({ value: MIN_DEPOSIT - 1n }), 'DepositTooSmall', [
      MIN_DEPOSIT - 1n,
      MIN_DEPOSIT,
    ])
    await expectRevert(tryNative({ value: 0n }), 'DepositTooSmall', [0n, MIN_DEPOSIT])
    await confirm(chain, tryNative({ value: MIN_DEPOSIT }))
    // The devnet's USDC minimum is 0.50 USDC.
    expect(
      await chain.publicClient.readContract({
        address: chain.contracts.jobMarketplace,
        abi: marketplaceAbi,
        functionName: 'tokenMinDeposits',
        args: [chain.contracts.usdcToken],
      }),
    ).toBe(500_000n)
    await expectRevert(tryToken({ deposit: 499_999n }), 'DepositTooSmall', [499_999n, 500_000n])
    await expectRevert(tryToken({ deposit: 0n }), 'DepositTooSmall', [0n, 500_000n])
  })

  test('the host must be registered and active', async () => {
    const stranger = at(chain.hosts, 2).address
    await expectRevert(tryNative({ host: stranger }), 'HostNotActive', [stranger])
    await expectRevert(tryToken({ host: stranger }), 'HostNotActive', [stranger])
    // A host that unregisters is inactive for new sessions.
    const h1 = at(chain.hosts, 1)
    await confirm(
      chain,
      h1.walletClient.writeContract({
        address: chain.contracts.nodeRegistry,
        abi: registryAbi,
        functionName: 'unregisterNode',
      }),
    )
    await expectRevert(tryNative({ host: h1.address }), 'HostNotActive', [h1.address])
  })

  test('the model must be approved and supported by the host', async () => {
    const host = at(chain.hosts, 0).address
    const m2 = at(chain.models, 2)
    await expectRevert(tryNative({ model: m2 }), 'HostDoesNotSupportModel', [host, m2])
    await expectRevert(tryToken({ model: m2 }), 'HostDoesNotSupportModel', [host, m2])
    const unknown = getModelId('nobody/unknown.gguf')
    await expectRevert(tryNative({ model: unknown }), 'ModelNotApproved', [unknown])
  })

  test('a model deactivated after the host registered it no longer opens sessions', async () => {
    const m1 = at(chain.models, 1)
    await confirm(chain, tryNative({ model: m1 }))
    await confirm(
      chain,
      chain.deployer.walletClient.writeContract({
        address: chain.contracts.modelRegistry,
        abi: modelsAbi,
        functionName: 'deactivateModel',
        args: [m1],
      }),
    )
    await expectRevert(tryNative({ model: m1 }), 'ModelNotApproved', [m1])
  })

  test('the token must be accepted by the marketplace', async () => {
    await expectRevert(tryToken({ token: chain.contracts.fabToken }), 'TokenNotAccepted', [
      chain.contracts.fabToken,
    ])
    await expectRevert(tryToken({ token: NATIVE_TOKEN }), 'TokenNotAccepted', [NATIVE_TOKEN])
  })

  test('a host without a price for the model and token: ModelPricingNotSet from the registry', async () => {
    const [h0, h1] = [at(chain.hosts, 0).address, at(chain.hosts, 1).address]
    const [m0, m1] = [at(chain.models, 0), at(chain.models, 1)]
    const usdc = chain.contracts.usdcToken
    await expectRevert(tryNative({ host: h1 }), 'ModelPricingNotSet', [h1, m0, NATIVE_TOKEN])
    await expectRevert(tryToken({ host: h1 }), 'ModelPricingNotSet', [h1, m0, usdc])
    // Host 0 prices model 1 in the native token only.
    await expectRevert(tryToken({ model: m1 }), 'ModelPricingNotSet', [h0, m1, usdc])
  })
})
