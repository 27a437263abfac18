/**
 * Helpers for the contract tests: one devnet per test file (started in `beforeAll`), snapshots
 * around each test, revert assertions by custom error name, and short-hands for the calls most
 * tests repeat (register a host, open a session, prove work).
 */
import {
  createDevnetClients,
  type Devnet,
  type DevnetAccount,
  type DevnetClients,
  startDevnet,
} from '@fabstir/devnet'
import {
  type Abi,
  type Address,
  BaseError,
  type ContractEventName,
  ContractFunctionRevertedError,
  type Hex,
  keccak256,
  type ParseEventLogsReturnType,
  parseEventLogs,
  stringToBytes,
  type TransactionReceipt,
} from 'viem'
import { afterAll, afterEach, beforeAll, beforeEach, expect } from 'vitest'
import {
  type FabstirContractAddresses,
  fabstirErrorsAbi,
  hostEarningsAbi,
  jobMarketplaceAbi,
  MIN_STAKE,
  modelRegistryAbi,
  NATIVE_TOKEN,
  nodeRegistryAbi,
  proofSystemAbi,
  rejectingDepositorAbi,
  testTokenAbi,
} from '../src/index.js'

/** Each contract's ABI with every Fabstir error, so reverts bubbled from another contract decode. */
export const marketplaceAbi = [...jobMarketplaceAbi, ...fabstirErrorsAbi]
export const registryAbi = [...nodeRegistryAbi, ...fabstirErrorsAbi]
export const modelsAbi = [...modelRegistryAbi, ...fabstirErrorsAbi]
export const proofsAbi = [...proofSystemAbi, ...fabstirErrorsAbi]
export const earningsAbi = [...hostEarningsAbi, ...fabstirErrorsAbi]
export const tokenAbi = [...testTokenAbi, ...fabstirErrorsAbi]
export const depositorAbi = [...rejectingDepositorAbi, ...fabstirErrorsAbi]

/** 10^18: one FAB (or one ether) in base units. */
export const FAB = 10n ** 18n
/** 10^6: one USDC in base units. */
export const USDC = 10n ** 6n

/** An account of the devnet with its own wallet client. */
export type Actor = {
  address: Address
  walletClient: DevnetClients['walletClient']
}

export type TestChain = {
  devnet: Devnet
  contracts: FabstirContractAddresses
  publicClient: DevnetClients['publicClient']
  testClient: DevnetClients['testClient']
  deployer: Actor
  treasury: Actor
  hosts: readonly Actor[]
  users: readonly Actor[]
  /** The ids of the devnet's three approved models. */
  models: readonly Hex[]
}

/** `list[index]`, or a thrown error when it is missing (keeps `noUncheckedIndexedAccess` honest). */
export function at<item>(list: readonly item[], index: number): item {
  const item = list[index]
  if (item === undefined) throw new Error(`no item at index ${index}`)
  return item
}

function createActor(devnet: Devnet, account: DevnetAccount): Actor {
  return {
    address: account.address,
    walletClient: createDevnetClients(devnet, account).walletClient,
  }
}

export type UseTestChainOptions = {
  /** Runs once after the devnet started (register hosts, set prices), before any snapshot. */
  setup?: (chain: TestChain) => Promise<void>
  /** Take a snapshot before each test and revert to it after. @default true */
  isolate?: boolean
}

/**
 * Starts a devnet for the calling test file in `beforeAll` and stops it in `afterAll`. The
 * returned object is filled in when `beforeAll` has run: read it inside tests and hooks only.
 */
export function useTestChain({ setup, isolate = true }: UseTestChainOptions = {}): TestChain {
  const chain = {} as TestChain
  let devnet: Devnet | undefined
  beforeAll(async () => {
    const started = await startDevnet()
    devnet = started
    const { publicClient, testClient } = createDevnetClients(started, started.accounts.deployer)
    Object.assign(chain, {
      devnet: started,
      contracts: started.contracts,
      publicClient,
      testClient,
      deployer: createActor(started, started.accounts.deployer),
      treasury: createActor(started, started.accounts.treasury),
      hosts: started.accounts.hosts.map((account) => createActor(started, account)),
      users: started.accounts.users.map((account) => createActor(started, account)),
      models: started.models.map((model) => model.id),
    } satisfies TestChain)
    await setup?.(chain)
  })
  afterAll(async () => {
    await devnet?.stop()
  })
  if (isolate) {
    let snapshot: Hex | undefined
    beforeEach(async () => {
      snapshot = await chain.testClient.snapshot()
    })
    afterEach(async () => {
      if (snapshot !== undefined) await chain.testClient.revert({ id: snapshot })
    })
  }
  return chain
}

/** Waits for a transaction, expects it to succeed and returns its receipt. */
export async function confirm(
  chain: TestChain,
  hash: Hex | Promise<Hex>,
): Promise<TransactionReceipt> {
  const receipt = await chain.publicClient.waitForTransactionReceipt({ hash: await hash })
  expect(receipt.status).toBe('success')
  return receipt
}

/** What a transaction cost its sender in native tokens. */
export function gasCost(receipt: TransactionReceipt): bigint {
  return receipt.gasUsed * receipt.effectiveGasPrice
}

/** The timestamp of the block that holds a receipt. */
export async function blockTime(chain: TestChain, receipt: TransactionReceipt): Promise<bigint> {
  const block = await chain.publicClient.getBlock({ blockNumber: receipt.blockNumber })
  return block.timestamp
}

/**
 * Expects a contract write (or read) to revert with the custom error `errorName` (and, when
 * given, exactly `args`), decoded through the ABI the call was made with.
 */
export async function expectRevert(
  call: Promise<unknown>,
  errorName: string,
  args?: readonly unknown[],
): Promise<void> {
  const error = await call.then(
    () => undefined,
    (error: unknown) => error,
  )
  if (!(error instanceof BaseError)) {
    throw new Error(
      `expected a revert with ${errorName}, got ${error === undefined ? 'success' : String(error)}`,
    )
  }
  const reverted = error.walk((cause) => cause instanceof ContractFunctionRevertedError)
  if (!(reverted instanceof ContractFunctionRevertedError)) {
    throw new Error(`expected a revert with ${errorName}, got ${error.message}`)
  }
  expect(reverted.data?.errorName).toBe(errorName)
  if (args !== undefined) expect(reverted.data?.args ?? []).toEqual(args)
}

/** Moves the chain's clock forward and mines a block at the new time. */
export async function advanceTime(chain: TestChain, seconds: bigint | number): Promise<void> {
  await chain.testClient.increaseTime({ seconds: Number(seconds) })
  await chain.testClient.mine({ blocks: 1 })
}

/** The decoded arguments of every `eventName` event a receipt holds. */
export function getEventArgs<const abi extends Abi, eventName extends ContractEventName<abi>>(
  receipt: TransactionReceipt,
  abi: abi,
  eventName: eventName,
): ParseEventLogsReturnType<abi, eventName, true>[number]['args'][] {
  return parseEventLogs({ abi, logs: receipt.logs, eventName }).map((log) => log.args)
}

/** A distinct proof hash for a label. */
export function proofHash(label: string): Hex {
  return keccak256(stringToBytes(label))
}

export async function balanceOf(chain: TestChain, token: Address, owner: Address): Promise<bigint> {
  if (token === NATIVE_TOKEN) return chain.publicClient.getBalance({ address: owner })
  return chain.publicClient.readContract({
    address: token,
    abi: tokenAbi,
    functionName: 'balanceOf',
    args: [owner],
  })
}

export async function approve(
  chain: TestChain,
  owner: Actor,
  token: Address,
  spender: Address,
  amount: bigint,
): Promise<TransactionReceipt> {
  return confirm(
    chain,
    owner.walletClient.writeContract({
      address: token,
      abi: tokenAbi,
      functionName: 'approve',
      args: [spender, amount],
    }),
  )
}

export type RegisterHostOptions = {
  models: readonly Hex[]
  metadata?: string
  apiUrl?: string
  minPricePerTokenNative?: bigint
  minPricePerTokenStable?: bigint
}

/** Approves MIN_STAKE FAB and registers `host`; returns the registration receipt. */
export async function registerHost(
  chain: TestChain,
  host: Actor,
  {
    models,
    metadata = '{"name":"test host"}',
    apiUrl = 'http://127.0.0.1:8080',
    minPricePerTokenNative = 1_000n,
    minPricePerTokenStable = 1_000n,
  }: RegisterHostOptions,
): Promise<TransactionReceipt> {
  await approve(chain, host, chain.contracts.fabToken, chain.contracts.nodeRegistry, MIN_STAKE)
  return confirm(
    chain,
    host.walletClient.writeContract({
      address: chain.contracts.nodeRegistry,
      abi: registryAbi,
      functionName: 'registerNode',
      args: [metadata, apiUrl, [...models], minPricePerTokenNative, minPricePerTokenStable],
    }),
  )
}

export async function setPricing(
  chain: TestChain,
  host: Actor,
  model: Hex,
  token: Address,
  price: bigint,
): Promise<TransactionReceipt> {
  return confirm(
    chain,
    host.walletClient.writeContract({
      address: chain.contracts.nodeRegistry,
      abi: registryAbi,
      functionName: 'setModelTokenPricing',
      args: [model, token, price],
    }),
  )
}

export type SessionOptions = {
  host: Actor
  model: Hex
  deposit: bigint
  pricePerToken: bigint
  /** @default 3600n */
  maxDuration?: bigint
  /** @default 1000n */
  proofInterval?: bigint
  /** @default 300n */
  proofTimeoutWindow?: bigint
}

export type CreatedSession = { jobId: bigint; receipt: TransactionReceipt }

function sessionJobId(receipt: TransactionReceipt): bigint {
  const [created] = getEventArgs(receipt, marketplaceAbi, 'SessionJobCreatedForModel')
  if (!created) throw new Error('no SessionJobCreatedForModel event')
  return created.jobId
}

/** Opens a session paid in the native token (`value` = deposit). */
export async function createNativeSession(
  chain: TestChain,
  user: Actor,
  {
    host,
    model,
    deposit,
    pricePerToken,
    maxDuration = 3600n,
    proofInterval = 1000n,
    proofTimeoutWindow = 300n,
  }: SessionOptions,
): Promise<CreatedSession> {
  const receipt = await confirm(
    chain,
    user.walletClient.writeContract({
      address: chain.contracts.jobMarketplace,
      abi: marketplaceAbi,
      functionName: 'createSessionJobForModel',
      args: [host.address, model, pricePerToken, maxDuration, proofInterval, proofTimeoutWindow],
      value: deposit,
    }),
  )
  return { jobId: sessionJobId(receipt), receipt }
}

/** Approves the deposit and opens a session paid in an ERC-20 (the devnet's USDC by default). */
export async function createTokenSession(
  chain: TestChain,
  user: Actor,
  {
    host,
    model,
    deposit,
    pricePerToken,
    maxDuration = 3600n,
    proofInterval = 1000n,
    proofTimeoutWindow = 300n,
    token = chain.contracts.usdcToken,
  }: SessionOptions & { token?: Address },
): Promise<CreatedSession> {
  await approve(chain, user, token, chain.contracts.jobMarketplace, deposit)
  const receipt = await confirm(
    chain,
    user.walletClient.writeContract({
      address: chain.contracts.jobMarketplace,
      abi: marketplaceAbi,
      functionName: 'createSessionJobForModelWithToken',
      args: [
        host.address,
        model,
        token,
        deposit,
        pricePerToken,
        maxDuration,
        proofInterval,
        proofTimeoutWindow,
      ],
    }),
  )
  return { jobId: sessionJobId(receipt), receipt }
}

let proofCounter = 0

export type SubmitProofOptions = {
  jobId: bigint
  tokensClaimed: bigint
  /** @default a fresh hash */
  proofHash?: Hex
  proofCID?: string
  deltaCID?: string
  /**
   * Move the clock forward by ⌈tokensClaimed / 1000⌉ seconds first, so the marketplace's rate
   * limit (1000 tokens per elapsed second) admits the claim. @default true
   */
  advance?: boolean
}

/** Submits a proof of work as `host`; returns the receipt. */
export async function submitProof(
  chain: TestChain,
  host: Actor,
  {
    jobId,
    tokensClaimed,
    proofHash: hash = proofHash(`proof ${++proofCounter}`),
    proofCID = `bafyproof${proofCounter}`,
    deltaCID = `bafydelta${proofCounter}`,
    advance = true,
  }: SubmitProofOptions,
): Promise<TransactionReceipt> {
  if (advance) await advanceTime(chain, (tokensClaimed + 999n) / 1000n)
  return confirm(
    chain,
    host.walletClient.writeContract({
      address: chain.contracts.jobMarketplace,
      abi: marketplaceAbi,
      functionName: 'submitProofOfWork',
      args: [jobId, tokensClaimed, hash, proofCID, deltaCID],
    }),
  )
}

/** A session job by name, decoded from the positional tuple `sessionJobs(id)` returns. */
export async function readSession(chain: TestChain, jobId: bigint) {
  const [
    id,
    depositor,
    host,
    paymentToken,
    deposit,
    pricePerToken,
    tokensUsed,
    maxDuration,
    startTime,
    lastProofTime,
    proofInterval,
    proofTimeoutWindow,
    status,
    withdrawnByHost,
    refundedToUser,
    conversationCID,
    lastProofHash,
    lastProofCID,
  ] = await chain.publicClient.readContract({
    address: chain.contracts.jobMarketplace,
    abi: marketplaceAbi,
    functionName: 'sessionJobs',
    args: [jobId],
  })
  return {
    id,
    depositor,
    host,
    paymentToken,
    deposit,
    pricePerToken,
    tokensUsed,
    maxDuration,
    startTime,
    lastProofTime,
    proofInterval,
    proofTimeoutWindow,
    status,
    withdrawnByHost,
    refundedToUser,
    conversationCID,
    lastProofHash,
    lastProofCID,
  }
}

/** Session status values of `sessionJobs(id).status`. */
export const SessionStatus = { Active: 0, Completed: 1, TimedOut: 2 } as const
