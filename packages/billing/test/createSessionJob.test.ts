import { MAX_SESSION_DURATION, MIN_DEPOSIT, NATIVE_TOKEN, testTokenAbi } from '@fabstir/contracts'
import {
  createDevnetClients,
  type Devnet,
  type DevnetAccount,
  type DevnetClients,
  startDevnet,
} from '@fabstir/devnet'
import { erc20Abi, type Hex } from 'viem'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import {
  BillingError,
  type BillingErrorCode,
  ContractError,
  createSessionJob,
  getSessionJob,
  type SessionJobConfig,
  SessionJobManager,
} from '../src/index.js'
import { registerHost } from './registerHost.js'

const USDC = 10n ** 6n
const ETH = 10n ** 18n

let devnet: Devnet
let config: SessionJobConfig
let publicClient: DevnetClients['publicClient']
let sessions: SessionJobManager
let user: Hex
let userAccount: DevnetAccount
let host: Hex
let otherHost: Hex
let served: Hex // models[0]: priced in the native token and USDC
let unserved: Hex // models[1]: approved, not served by the host
let unpriced: Hex // models[2]: served, no price set

beforeAll(async () => {
  devnet = await startDevnet()
  const [model0, model1, model2] = devnet.models
  const [host0, host1] = devnet.accounts.hosts
  const [user0] = devnet.accounts.users
  if (!model0 || !model1 || !model2 || !host0 || !host1 || !user0) throw new Error('devnet shape')
  served = model0.id
  unserved = model1.id
  unpriced = model2.id
  otherHost = host1.address
  user = user0.address
  userAccount = user0
  host = await registerHost(devnet, host0, {
    models: [served, unpriced],
    prices: [
      { modelId: served, token: NATIVE_TOKEN, price: 2000n },
      { modelId: served, token: devnet.contracts.usdcToken, price: 2000n },
    ],
  })
  const clients = createDevnetClients(devnet, user0)
  publicClient = clients.publicClient
  config = { publicClient, walletClient: clients.walletClient, addresses: devnet.contracts }
  sessions = new SessionJobManager(config)
})

afterAll(async () => {
  await devnet?.stop()
})

const nonce = () => publicClient.getTransactionCount({ address: user })

/** Runs a call that must be refused before any transaction: same nonce before and after. */
async function expectRefused(
  call: () => Promise<unknown>,
  code: BillingErrorCode,
  ...messageParts: string[]
): Promise<BillingError> {
  const before = await nonce()
  const error = await call().then(
    () => undefined,
    (caught: unknown) => caught,
  )
  if (!BillingError.isInstance(error)) throw new Error(`expected a BillingError`, { cause: error })
  expect(error.code).toBe(code)
  for (const part of messageParts) expect(error.message).toContain(part)
  expect(await nonce()).toBe(before)
  return error
}

describe('pre-flight checks (nothing is sent)', () => {
  test('options out of the contract bounds: INVALID_ARGUMENT', async () => {
    const base = { host, model: served, deposit: 10n ** 15n }
    await expectRefused(
      () => sessions.createSessionJob({ ...base, proofInterval: 99n }),
      'INVALID_ARGUMENT',
      'proofInterval must be a bigint ≥ 100',
      'got 99n',
    )
    await expectRefused(
      () => sessions.createSessionJob({ ...base, maxDuration: 0n }),
      'INVALID_ARGUMENT',
      'maxDuration',
    )
    await expectRefused(
      () => sessions.createSessionJob({ ...base, maxDuration: MAX_SESSION_DURATION + 1n }),
      'INVALID_ARGUMENT',
      `between 1 and ${MAX_SESSION_DURATION}`,
    )
    await expectRefused(
      () => sessions.createSessionJob({ ...base, proofTimeoutWindow: 59n }),
      'INVALID_ARGUMENT',
      'proofTimeoutWindow must be a bigint between 60 and 3600',
    )
    await expectRefused(
      () => sessions.createSessionJob({ ...base, proofTimeoutWindow: 3601n }),
      'INVALID_ARGUMENT',
      'got 3601n',
    )
    await expectRefused(
      () => sessions.createSessionJob({ ...base, deposit: 0n }),
      'INVALID_ARGUMENT',
      'deposit',
    )
    await expectRefused(
      () => sessions.createSessionJob({ ...base, pricePerToken: 0n }),
      'INVALID_ARGUMENT',
      'pricePerToken',
    )
    await expectRefused(
      () => sessions.createSessionJob({ ...base, host: '0x1234' }),
      'INVALID_ARGUMENT',
      'host must be an address',
    )
    await expectRefused(
      () => sessions.createSessionJob({ ...base, model: 'no-file-part' }),
      'INVALID_ARGUMENT',
      'no-file-part',
    )
    await expectRefused(
      () => sessions.createSessionJob({ ...base, model: 42 as unknown as string }),
      'INVALID_ARGUMENT',
      'got 42',
    )
  })

  test('an ERC-20 the marketplace does not accept: TOKEN_NOT_ACCEPTED', async () => {
    await expectRefused(
      () =>
        sessions.createSessionJob({
          host,
          model: served,
          deposit: ETH,
          token: devnet.contracts.fabToken,
        }),
      'TOKEN_NOT_ACCEPTED',
      `FAB (${devnet.contracts.fabToken})`,
    )
    // Not a token at all: named by its address.
    const nobody = '0x000000000000000000000000000000000000dEaD'
    await expectRefused(
      () => sessions.createSessionJob({ host, model: served, deposit: ETH, token: nobody }),
      'TOKEN_NOT_ACCEPTED',
      `accept ${nobody} as`,
    )
  })

  test('a deposit below the minimum: DEPOSIT_TOO_SMALL, native and USDC', async () => {
    await expectRefused(
      () => sessions.createSessionJob({ host, model: served, deposit: MIN_DEPOSIT - 1n }),
      'DEPOSIT_TOO_SMALL',
      '0.000099999999999999 ETH (99,999,999,999,999 wei)',
      'minimum of 0.0001 ETH (100,000,000,000,000 wei)',
    )
    await expectRefused(
      () =>
        sessions.createSessionJob({
          host,
          model: served,
          deposit: 499_999n,
          token: devnet.contracts.usdcToken,
        }),
      'DEPOSIT_TOO_SMALL',
      '0.499999 USDC (499,999 base units)',
      'minimum of 0.5 USDC (500,000 base units)',
    )
  })

  test('a model the registry has not approved: MODEL_NOT_APPROVED', async () => {
    await expectRefused(
      () => sessions.createSessionJob({ host, model: 'nobody/unknown.gguf', deposit: ETH / 1000n }),
      'MODEL_NOT_APPROVED',
      'Model nobody/unknown.gguf (0x',
    )
  })

  test('a host that is not registered: HOST_NOT_ACTIVE', async () => {
    await expectRefused(
      () => sessions.createSessionJob({ host: otherHost, model: served, deposit: ETH / 1000n }),
      'HOST_NOT_ACTIVE',
      otherHost,
    )
  })

  test('a model the host does not serve: HOST_DOES_NOT_SUPPORT_MODEL', async () => {
    await expectRefused(
      () => sessions.createSessionJob({ host, model: unserved, deposit: ETH / 1000n }),
      'HOST_DOES_NOT_SUPPORT_MODEL',
      `does not serve model ${unserved}`,
    )
  })

  test('a model the host has no price for: HOST_PRICE_NOT_SET, with the revert as cause', async () => {
    const error = await expectRefused(
      () => sessions.createSessionJob({ host, model: unpriced, deposit: ETH / 1000n }),
      'HOST_PRICE_NOT_SET',
      'has set no price',
      'the native token (ETH)',
    )
    expect(ContractError.isInstance(error.cause)).toBe(true)
    expect((error.cause as ContractError).errorName).toBe('ModelPricingNotSet')
  })

  test('a price below the host minimum: PRICE_BELOW_HOST_MINIMUM shows both prices', async () => {
    await expectRefused(
      () =>
        sessions.createSessionJob({
          host,
          model: served,
          deposit: ETH / 1000n,
          pricePerToken: 1999n,
        }),
      'PRICE_BELOW_HOST_MINIMUM',
      'The price 1,999 (1.999 wei per token)',
      'minimum of host',
      '2,000 (2 wei per token)',
    )
    await expectRefused(
      () =>
        sessions.createSessionJob({
          host,
          model: served,
          deposit: USDC,
          token: devnet.contracts.usdcToken,
          pricePerToken: 1500n,
        }),
      'PRICE_BELOW_HOST_MINIMUM',
      '1,500 (1.5 base units per token)',
      'USDC',
    )
  })

  test('a deposit below one proof interval: DEPOSIT_DOES_NOT_COVER_PROOF_INTERVAL shows what is required', async () => {
    await expectRefused(
      () =>
        sessions.createSessionJob({
          host,
          model: served,
          deposit: 10n ** 15n,
          pricePerToken: 2n * 10n ** 15n,
          proofInterval: 1000n,
        }),
      'DEPOSIT_DOES_NOT_COVER_PROOF_INTERVAL',
      '1,000 tokens',
      'at least 0.002 ETH (2,000,000,000,000,000 wei)',
    )
  })

  test('a deposit the wallet cannot cover: INSUFFICIENT_BALANCE, native and USDC', async () => {
    await expectRefused(
      () => sessions.createSessionJob({ host, model: served, deposit: 100_000n * ETH }),
      'INSUFFICIENT_BALANCE',
      `The wallet ${user} holds `,
      'less than the deposit of 100000 ETH (100,000,000,000,000,000,000,000 wei)',
      '(plus gas)',
    )
    await expectRefused(
      () =>
        sessions.createSessionJob({
          host,
          model: served,
          deposit: 20_000n * USDC,
          token: devnet.contracts.usdcToken,
        }),
      'INSUFFICIENT_BALANCE',
      'holds 10000 USDC',
      'deposit of 20000 USDC',
    )
  })

  test('an aborted signal rejects with its reason; a write without a wallet: WALLET_REQUIRED', async () => {
    const before = await nonce()
    const controller = new AbortController()
    controller.abort(new Error('stop'))
    await expect(
      sessions.createSessionJob({
        host,
        model: served,
        deposit: ETH / 1000n,
        signal: controller.signal,
      }),
    ).rejects.toThrow('stop')
    await expect(
      createSessionJob(
        { publicClient: config.publicClient, addresses: devnet.contracts },
        { host, model: served, deposit: ETH / 1000n },
      ),
    ).rejects.toMatchObject({ name: 'BillingError', code: 'WALLET_REQUIRED' })
    expect(await nonce()).toBe(before)
  })
})

describe('creation', () => {
  test('native: the host price by default; the job reads back field by field', async () => {
    const before = await nonce()
    const deposit = 10n ** 15n
    const created = await sessions.createSessionJob({
      host,
      model: devnet.models[0]?.name ?? '',
      deposit,
    })
    expect(await nonce()).toBe(before + 1)
    expect(created).toMatchObject({
      depositor: user,
      host,
      modelId: served,
      token: NATIVE_TOKEN,
      deposit,
      pricePerToken: 2000n,
      proofInterval: 1000n,
      maxDuration: 86_400n,
      proofTimeoutWindow: 300n,
      approveTransactionHash: undefined,
    })
    expect(created.jobId).toBeGreaterThanOrEqual(1n)

    const job = await getSessionJob(config, { jobId: created.jobId })
    const block = await publicClient.getBlock({ blockNumber: created.blockNumber })
    expect(job).toEqual({
      id: created.jobId,
      depositor: user,
      host,
      paymentToken: NATIVE_TOKEN,
      deposit,
      pricePerToken: 2000n,
      tokensUsed: 0n,
      maxDuration: 86_400n,
      startTime: block.timestamp,
      lastProofTime: 0n,
      proofInterval: 1000n,
      proofTimeoutWindow: 300n,
      status: 'active',
      withdrawnByHost: 0n,
      refundedToUser: 0n,
      conversationCID: '',
      lastProofHash: `0x${'0'.repeat(64)}`,
      lastProofCID: '',
      modelId: served,
    })
  })

  test('native: explicit terms, the model by id', async () => {
    const created = await createSessionJob(config, {
      host,
      model: served,
      deposit: MIN_DEPOSIT,
      pricePerToken: 3000n,
      proofInterval: 100n,
      maxDuration: 600n,
      proofTimeoutWindow: 60n,
    })
    const job = await sessions.getSessionJob({ jobId: created.jobId })
    expect(job).toMatchObject({
      deposit: MIN_DEPOSIT,
      pricePerToken: 3000n,
      proofInterval: 100n,
      maxDuration: 600n,
      proofTimeoutWindow: 60n,
    })
  })

  test('USDC: approves exactly the deposit when the allowance is short, not when it is enough', async () => {
    const usdc = devnet.contracts.usdcToken
    const allowance = () =>
      publicClient.readContract({
        address: usdc,
        abi: erc20Abi,
        functionName: 'allowance',
        args: [user, devnet.contracts.jobMarketplace],
      })
    const balance = () =>
      publicClient.readContract({
        address: usdc,
        abi: erc20Abi,
        functionName: 'balanceOf',
        args: [user],
      })
    expect(await allowance()).toBe(0n)
    const balanceBefore = await balance()

    // Short allowance: approve, then create.
    let before = await nonce()
    const first = await sessions.createSessionJob({
      host,
      model: served,
      deposit: USDC,
      token: usdc,
    })
    expect(await nonce()).toBe(before + 2)
    expect(first.approveTransactionHash).toMatch(/^0x[0-9a-f]{64}$/)
    const approval = await publicClient.getTransactionReceipt({
      hash: first.approveTransactionHash as Hex,
    })
    expect(approval.blockNumber).toBeLessThan(first.blockNumber)
    expect(await allowance()).toBe(0n) // exactly the deposit was approved, and pulled
    expect(await balance()).toBe(balanceBefore - USDC)
    expect(first).toMatchObject({ token: usdc, deposit: USDC, pricePerToken: 2000n })
    expect(await sessions.getSessionJob({ jobId: first.jobId })).toMatchObject({
      paymentToken: usdc,
      deposit: USDC,
      status: 'active',
    })

    // Enough allowance already: no approve.
    const { walletClient } = createDevnetClients(devnet, userAccount)
    await publicClient.waitForTransactionReceipt({
      hash: await walletClient.writeContract({
        address: usdc,
        abi: testTokenAbi,
        functionName: 'approve',
        args: [devnet.contracts.jobMarketplace, 5n * USDC],
      }),
    })
    before = await nonce()
    const second = await sessions.createSessionJob({
      host,
      model: served,
      deposit: 2n * USDC,
      token: usdc,
    })
    expect(await nonce()).toBe(before + 1)
    expect(second.approveTransactionHash).toBeUndefined()
    expect(second.jobId).toBe(first.jobId + 1n)
    expect(await allowance()).toBe(3n * USDC)
  })

  test('reads of unknown jobs: SESSION_NOT_FOUND; malformed ids: INVALID_ARGUMENT', async () => {
    await expect(sessions.getSessionJob({ jobId: 9999n })).rejects.toMatchObject({
      name: 'BillingError',
      code: 'SESSION_NOT_FOUND',
      jobId: 9999n,
    })
    await expect(sessions.getSessionJob({ jobId: 0n })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    })
    await expect(sessions.getSessionJob({ jobId: 1 as unknown as bigint })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    })
  })
})
