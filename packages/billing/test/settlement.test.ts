import {
  hostEarningsAbi,
  jobMarketplaceAbi,
  NATIVE_TOKEN,
  rejectingDepositorAbi,
  rejectingDepositorBytecode,
} from '@fabstir/contracts'
import {
  createDevnetClients,
  type Devnet,
  type DevnetAccount,
  type DevnetClients,
  startDevnet,
} from '@fabstir/devnet'
import {
  type Address,
  createPublicClient,
  custom,
  erc20Abi,
  getAddress,
  type Hex,
  keccak256,
  parseEventLogs,
  stringToHex,
  toFunctionSelector,
} from 'viem'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import {
  ContractError,
  completeSessionJob,
  getProofSubmissions,
  getSettlement,
  type SessionJobConfig,
  SessionJobManager,
  triggerSessionTimeout,
} from '../src/index.js'
import { registerHost } from './registerHost.js'

let devnet: Devnet
let model: Hex
let host: Address
let hostClients: DevnetClients
let user: DevnetAccount
let sessions: SessionJobManager // as the depositor
let hostSessions: SessionJobManager // as the host
let otherSessions: SessionJobManager // as a third party

beforeAll(async () => {
  devnet = await startDevnet()
  const [model0] = devnet.models
  const [host0] = devnet.accounts.hosts
  const [user0, user1] = devnet.accounts.users
  if (!model0 || !host0 || !user0 || !user1) throw new Error('devnet shape')
  model = model0.id
  user = user0
  host = await registerHost(devnet, host0, {
    models: [model],
    prices: [
      { modelId: model, token: NATIVE_TOKEN, price: 2000n },
      { modelId: model, token: devnet.contracts.usdcToken, price: 2000n },
    ],
  })
  hostClients = createDevnetClients(devnet, host0)
  const managerFor = (account: DevnetAccount) => {
    const { publicClient, walletClient } = createDevnetClients(devnet, account)
    return new SessionJobManager({ publicClient, walletClient, addresses: devnet.contracts })
  }
  sessions = managerFor(user0)
  hostSessions = managerFor(host0)
  otherSessions = managerFor(user1)
})

afterAll(async () => {
  await devnet?.stop()
})

/** The host checkpoints `tokens` straight through the contract, as a host node does. */
async function submitProof(jobId: bigint, tokens: bigint, tag: string): Promise<Hex> {
  const proofHash = keccak256(stringToHex(`${jobId}:${tag}`))
  const hash = await hostClients.walletClient.writeContract({
    address: devnet.contracts.jobMarketplace,
    abi: jobMarketplaceAbi,
    functionName: 'submitProofOfWork',
    args: [jobId, tokens, proofHash, `proof-${tag}`, `delta-${tag}`],
  })
  const receipt = await hostClients.publicClient.waitForTransactionReceipt({ hash })
  if (receipt.status !== 'success') throw new Error('proof reverted')
  return proofHash
}

/** Moves chain time forward and mines a block at the new time. */
async function travel(seconds: number): Promise<void> {
  await hostClients.testClient.increaseTime({ seconds })
  await hostClients.testClient.mine({ blocks: 1 })
}

const deposit = 10n ** 15n // 0.001 ETH
const open = (terms: { proofTimeoutWindow?: bigint } = {}) =>
  sessions.createSessionJob({
    host,
    model,
    deposit,
    pricePerToken: 2000n, // 2 wei per token
    proofInterval: 100n,
    ...terms,
  })

describe('completion by the depositor', () => {
  test('proofs of 250 + 150 tokens at 2 wei: paid 800, fee 80, host 720, refund the rest', async () => {
    const { jobId } = await open()
    const first = await submitProof(jobId, 250n, 'a')
    const second = await submitProof(jobId, 150n, 'b')

    const proofs = await sessions.getProofSubmissions({ jobId })
    expect(proofs).toEqual([
      {
        index: 0,
        proofHash: first,
        tokensClaimed: 250n,
        timestamp: expect.any(BigInt),
        verified: true,
        deltaCID: 'delta-a',
      },
      {
        index: 1,
        proofHash: second,
        tokensClaimed: 150n,
        timestamp: expect.any(BigInt),
        verified: true,
        deltaCID: 'delta-b',
      },
    ])
    const withCIDs = await sessions.getProofSubmissions({ jobId, includeProofCIDs: true })
    expect(withCIDs.map((proof) => proof.proofCID)).toEqual(['proof-a', 'proof-b'])
    expect(await sessions.getSessionJob({ jobId })).toMatchObject({
      tokensUsed: 400n,
      lastProofHash: second,
      lastProofCID: 'proof-b',
      status: 'active',
    })

    const { publicClient } = hostClients
    const balanceBefore = await publicClient.getBalance({ address: user.address })
    const settlement = await sessions.completeSessionJob({ jobId, conversationCID: 'conv-cid' })
    expect(settlement).toEqual({
      jobId,
      status: 'completed',
      tokensUsed: 400n,
      paid: 800n,
      fee: 80n,
      hostEarnings: 720n,
      refunded: deposit - 800n,
      refundCreditedToDeposit: false,
      completedBy: user.address,
      transactionHash: expect.stringMatching(/^0x[0-9a-f]{64}$/),
      blockNumber: expect.any(BigInt),
    })

    // The refund arrived (less gas), the host was credited the net, the job records it.
    const receipt = await publicClient.getTransactionReceipt({ hash: settlement.transactionHash })
    expect(await publicClient.getBalance({ address: user.address })).toBe(
      balanceBefore - receipt.gasUsed * receipt.effectiveGasPrice + deposit - 800n,
    )
    expect(
      await publicClient.readContract({
        address: devnet.contracts.hostEarnings,
        abi: hostEarningsAbi,
        functionName: 'getBalance',
        args: [host, NATIVE_TOKEN],
      }),
    ).toBe(720n)
    expect(await sessions.getSessionJob({ jobId })).toMatchObject({
      status: 'completed',
      withdrawnByHost: 720n,
      refundedToUser: deposit - 800n,
      conversationCID: 'conv-cid',
    })
    expect(await sessions.getSettlement({ jobId })).toEqual(settlement)

    // Settled once only: the contract's revert comes back as a ContractError.
    const again = await sessions.completeSessionJob({ jobId }).catch((error: unknown) => error)
    expect(ContractError.isInstance(again)).toBe(true)
    expect(again).toMatchObject({
      code: 'CONTRACT_REVERTED',
      errorName: 'SessionNotActive',
      functionName: 'completeSessionJob',
    })
  })

  test('without proofs the whole deposit comes back', async () => {
    const { jobId } = await open()
    const settlement = await completeSessionJob(sessions.config, { jobId })
    expect(settlement).toMatchObject({
      tokensUsed: 0n,
      paid: 0n,
      fee: 0n,
      hostEarnings: 0n,
      refunded: deposit,
      refundCreditedToDeposit: false,
    })
  })

  test('reverts surface as ContractError: an unknown job, a stranger completing', async () => {
    await expect(sessions.completeSessionJob({ jobId: 9999n })).rejects.toMatchObject({
      name: 'ContractError',
      errorName: 'SessionNotFound',
    })
    const { jobId } = await open()
    await expect(otherSessions.completeSessionJob({ jobId })).rejects.toMatchObject({
      name: 'ContractError',
      errorName: 'NotSessionParty',
    })
  })
})

describe('completion by the host', () => {
  test('refused inside the dispute window, accepted after it (time travel)', async () => {
    const { jobId } = await open()
    await submitProof(jobId, 100n, 'host')
    await expect(hostSessions.completeSessionJob({ jobId })).rejects.toMatchObject({
      name: 'ContractError',
      errorName: 'DisputeWindowNotPassed',
    })
    await travel(31) // the devnet's dispute window is 30 s
    const settlement = await hostSessions.completeSessionJob({ jobId })
    expect(settlement).toMatchObject({
      status: 'completed',
      tokensUsed: 100n,
      paid: 200n,
      fee: 20n,
      hostEarnings: 180n,
      refunded: deposit - 200n,
      completedBy: host,
    })
  })
})

describe('timeouts', () => {
  test('anyone may end a silent session; getSettlement reads the timeout back', async () => {
    const { jobId } = await open({ proofTimeoutWindow: 60n })
    await submitProof(jobId, 250n, 'timeout')
    await expect(otherSessions.triggerSessionTimeout({ jobId })).rejects.toMatchObject({
      name: 'ContractError',
      errorName: 'SessionNotTimedOut',
    })
    await travel(61)
    const settlement = await otherSessions.triggerSessionTimeout({ jobId })
    expect(settlement).toEqual({
      jobId,
      status: 'timedOut',
      tokensUsed: 250n,
      paid: 500n,
      fee: 50n,
      hostEarnings: 450n,
      refunded: deposit - 500n,
      refundCreditedToDeposit: false,
      completedBy: devnet.accounts.users[1]?.address,
      transactionHash: expect.stringMatching(/^0x[0-9a-f]{64}$/),
      blockNumber: expect.any(BigInt),
    })
    expect(await getSettlement(sessions.config, { jobId })).toEqual(settlement)
    expect(await sessions.getSessionJob({ jobId })).toMatchObject({ status: 'timedOut' })
    // Functions and methods are the same calls.
    expect(
      await triggerSessionTimeout(sessions.config, { jobId }).catch((e: unknown) => e),
    ).toMatchObject({
      errorName: 'SessionNotActive',
    })
  })
})

describe('getSettlement', () => {
  test('an active job, an unknown job, a window that misses the event', async () => {
    const { jobId, blockNumber } = await open()
    await expect(sessions.getSettlement({ jobId })).rejects.toMatchObject({
      name: 'BillingError',
      code: 'SESSION_NOT_SETTLED',
    })
    await expect(sessions.getSettlement({ jobId: 9999n })).rejects.toMatchObject({
      code: 'SESSION_NOT_FOUND',
    })
    const settlement = await sessions.completeSessionJob({ jobId })
    expect(await sessions.getSettlement({ jobId, fromBlock: blockNumber })).toEqual(settlement)
    await hostClients.testClient.mine({ blocks: 1 })
    await expect(
      sessions.getSettlement({ jobId, fromBlock: settlement.blockNumber + 1n }),
    ).rejects.toMatchObject({ code: 'SETTLEMENT_NOT_FOUND' })
  })
})

describe('other payment paths', () => {
  test('USDC: 300 tokens at 2000 per 1000 cost 600 base units', async () => {
    const usdc = devnet.contracts.usdcToken
    const { publicClient } = hostClients
    const balance = () =>
      publicClient.readContract({
        address: usdc,
        abi: erc20Abi,
        functionName: 'balanceOf',
        args: [user.address],
      })
    const before = await balance()
    const { jobId } = await sessions.createSessionJob({
      host,
      model,
      deposit: 1_000_000n,
      token: usdc,
      proofInterval: 100n,
    })
    await submitProof(jobId, 300n, 'usdc')
    const settlement = await sessions.completeSessionJob({ jobId })
    expect(settlement).toMatchObject({
      paid: 600n,
      fee: 60n,
      hostEarnings: 540n,
      refunded: 999_400n,
    })
    expect(await balance()).toBe(before - 600n)
  })

  test('a depositor contract that refuses refunds has them credited to its deposit balance', async () => {
    const { publicClient, walletClient } = createDevnetClients(devnet, user)
    const deployed = await publicClient.waitForTransactionReceipt({
      hash: await walletClient.deployContract({
        abi: rejectingDepositorAbi,
        bytecode: rejectingDepositorBytecode,
        args: [devnet.contracts.jobMarketplace],
      }),
    })
    const depositor = getAddress(deployed.contractAddress as Address)
    const created = await publicClient.waitForTransactionReceipt({
      hash: await walletClient.writeContract({
        address: depositor,
        abi: rejectingDepositorAbi,
        functionName: 'createSession',
        args: [host, model, 2000n, 3600n, 100n, 300n],
        value: deposit,
      }),
    })
    const [event] = parseEventLogs({
      abi: jobMarketplaceAbi,
      eventName: 'SessionJobCreatedForModel',
      logs: created.logs,
    })
    const jobId = event?.args.jobId as bigint
    await submitProof(jobId, 100n, 'rejecting')
    await publicClient.waitForTransactionReceipt({
      hash: await walletClient.writeContract({
        address: depositor,
        abi: rejectingDepositorAbi,
        functionName: 'complete',
        args: [jobId],
      }),
    })
    const settlement = await sessions.getSettlement({ jobId })
    expect(settlement).toMatchObject({
      status: 'completed',
      paid: 200n,
      refunded: deposit - 200n,
      refundCreditedToDeposit: true,
      completedBy: depositor,
    })
    expect(
      await publicClient.readContract({
        address: devnet.contracts.jobMarketplace,
        abi: jobMarketplaceAbi,
        functionName: 'getDepositBalance',
        args: [depositor, NATIVE_TOKEN],
      }),
    ).toBe(deposit - 200n)
  })
})

describe('proof counts', () => {
  test('without getProofSubmissionCount the ProofSubmitted events count (stub at the EIP-1193 request interface)', async () => {
    const { jobId } = await open()
    await submitProof(jobId, 120n, 'x')
    await submitProof(jobId, 130n, 'y')
    // Stub at the EIP-1193 interface: eth_calls of that one view go out with a selector the
    // marketplace lacks, so the real chain answers as a marketplace without the view would.
    const real = hostClients.publicClient
    type Request = (
      args: { method: string; params?: unknown },
      options?: unknown,
    ) => Promise<unknown>
    const realRequest = real.request as unknown as Request
    const countSelector = toFunctionSelector('getProofSubmissionCount(uint256)')
    const missingSelector = toFunctionSelector('noSuchCount(uint256)')
    const request: Request = (args, options) => {
      const [call, ...rest] = (args.params ?? []) as [{ data?: Hex; input?: Hex }, ...unknown[]]
      const data = call?.data ?? call?.input
      if (args.method === 'eth_call' && data?.startsWith(countSelector)) {
        const redirected = `${missingSelector}${data.slice(10)}` as Hex
        const params = [{ ...call, data: redirected, input: redirected }, ...rest]
        return realRequest({ ...args, params }, options)
      }
      return realRequest(args, options)
    }
    const publicClient = createPublicClient({ chain: devnet.chain, transport: custom({ request }) })
    const config: SessionJobConfig = { publicClient, addresses: devnet.contracts }
    const proofs = await getProofSubmissions(config, { jobId })
    expect(proofs.map(({ tokensClaimed, proofCID }) => ({ tokensClaimed, proofCID }))).toEqual([
      { tokensClaimed: 120n, proofCID: 'proof-x' },
      { tokensClaimed: 130n, proofCID: 'proof-y' },
    ])
    expect(await getProofSubmissions(config, { jobId: 9999n })).toEqual([])
    expect(await sessions.getProofSubmissions({ jobId: 9999n })).toEqual([])
  })
})
