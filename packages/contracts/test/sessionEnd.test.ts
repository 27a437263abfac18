import { describe, expect, test } from 'vitest'
import { NATIVE_TOKEN } from '../src/index.js'
import {
  type Actor,
  advanceTime,
  at,
  balanceOf,
  blockTime,
  confirm,
  createNativeSession,
  createTokenSession,
  expectRevert,
  getEventArgs,
  marketplaceAbi,
  readSession,
  registerHost,
  SessionStatus,
  setPricing,
  submitProof,
  USDC,
  useTestChain,
} from './chainHelpers.js'

const chain = useTestChain({
  setup: async (chain) => {
    const host = at(chain.hosts, 0)
    const m0 = at(chain.models, 0)
    await registerHost(chain, host, { models: [m0] })
    await setPricing(chain, host, m0, NATIVE_TOKEN, 1_000_000n)
    await setPricing(chain, host, m0, chain.contracts.usdcToken, 1_000n)
  },
})

/** A USDC session of user 0 with host 0: 5 USDC at 1000 (1 base unit per token). */
const openSession = (
  overrides: { maxDuration?: bigint; proofTimeoutWindow?: bigint; user?: Actor } = {},
) =>
  createTokenSession(chain, overrides.user ?? at(chain.users, 0), {
    host: at(chain.hosts, 0),
    model: at(chain.models, 0),
    deposit: 5n * USDC,
    pricePerToken: 1_000n,
    proofInterval: 1000n,
    maxDuration: overrides.maxDuration ?? 3600n,
    proofTimeoutWindow: overrides.proofTimeoutWindow ?? 300n,
  })

const complete = (sender: Actor, jobId: bigint, conversationCID = 'bafyconversation') =>
  sender.walletClient.writeContract({
    address: chain.contracts.jobMarketplace,
    abi: marketplaceAbi,
    functionName: 'completeSessionJob',
    args: [jobId, conversationCID],
  })

const timeout = (sender: Actor, jobId: bigint) =>
  sender.walletClient.writeContract({
    address: chain.contracts.jobMarketplace,
    abi: marketplaceAbi,
    functionName: 'triggerSessionTimeout',
    args: [jobId],
  })

describe('completeSessionJob', () => {
  test('the depositor may complete at any time, even right after a proof', async () => {
    const user = at(chain.users, 0)
    const host = at(chain.hosts, 0)
    const { jobId } = await openSession()
    const receipt = await confirm(chain, complete(user, jobId, 'bafy-conversation-1'))
    expect(getEventArgs(receipt, marketplaceAbi, 'SessionCompletedBy')).toEqual([
      {
        jobId,
        completedBy: user.address,
        tokensUsed: 0n,
        paymentAmount: 0n,
        refundAmount: 5n * USDC,
      },
    ])
    const session = await readSession(chain, jobId)
    expect([session.status, session.conversationCID]).toEqual([
      SessionStatus.Completed,
      'bafy-conversation-1',
    ])

    const next = await openSession()
    await submitProof(chain, host, { jobId: next.jobId, tokensClaimed: 1000n })
    const afterProof = await confirm(chain, complete(user, next.jobId))
    expect(getEventArgs(afterProof, marketplaceAbi, 'SessionCompletedBy')).toEqual([
      {
        jobId: next.jobId,
        completedBy: user.address,
        tokensUsed: 1000n,
        paymentAmount: 1000n,
        refundAmount: 5n * USDC - 1000n,
      },
    ])
  })

  test('the host may complete only after lastProofTime + disputeWindow (DisputeWindowNotPassed)', async () => {
    const host = at(chain.hosts, 0)
    const { jobId } = await openSession()
    const proof = await submitProof(chain, host, { jobId, tokensClaimed: 2000n })
    const proofTime = await blockTime(chain, proof)
    await expectRevert(complete(host, jobId), 'DisputeWindowNotPassed', [jobId, proofTime + 30n])
    // One second before the window closes is still too early.
    await chain.testClient.setNextBlockTimestamp({ timestamp: proofTime + 29n })
    await expectRevert(complete(host, jobId), 'DisputeWindowNotPassed', [jobId, proofTime + 30n])
    await chain.testClient.mine({ blocks: 1 })

    await advanceTime(chain, 30)
    const receipt = await confirm(chain, complete(host, jobId))
    expect(getEventArgs(receipt, marketplaceAbi, 'SessionCompletedBy')).toEqual([
      {
        jobId,
        completedBy: host.address,
        tokensUsed: 2000n,
        paymentAmount: 2000n,
        refundAmount: 5n * USDC - 2000n,
      },
    ])
    expect((await readSession(chain, jobId)).status).toBe(SessionStatus.Completed)
  })

  test('without a proof the host waits disputeWindow from the session start', async () => {
    const host = at(chain.hosts, 0)
    const { jobId, receipt } = await openSession()
    const start = await blockTime(chain, receipt)
    await expectRevert(complete(host, jobId), 'DisputeWindowNotPassed', [jobId, start + 30n])
    await advanceTime(chain, 30)
    const completed = await confirm(chain, complete(host, jobId))
    expect(getEventArgs(completed, marketplaceAbi, 'SessionCompleted')).toEqual([
      { jobId, totalTokensUsed: 0n, hostEarnings: 0n, userRefund: 5n * USDC },
    ])
  })

  test('anyone else gets NotSessionParty; unknown sessions SessionNotFound', async () => {
    const { jobId } = await openSession()
    await advanceTime(chain, 100)
    for (const stranger of [at(chain.users, 1), at(chain.hosts, 1), chain.deployer]) {
      await expectRevert(complete(stranger, jobId), 'NotSessionParty', [jobId, stranger.address])
    }
    await expectRevert(complete(at(chain.users, 0), 42n), 'SessionNotFound', [42n])
  })

  test('a session ends once: completing twice or timing out afterwards reverts SessionNotActive', async () => {
    const user = at(chain.users, 0)
    const { jobId } = await openSession()
    await confirm(chain, complete(user, jobId))
    await expectRevert(complete(user, jobId), 'SessionNotActive', [jobId])
    await advanceTime(chain, 3601)
    await expectRevert(timeout(user, jobId), 'SessionNotActive', [jobId])
  })
})

describe('triggerSessionTimeout', () => {
  test('before the proof window or maxDuration has passed it reverts SessionNotTimedOut', async () => {
    const [user, host] = [at(chain.users, 0), at(chain.hosts, 0)]
    const { jobId, receipt } = await openSession({ proofTimeoutWindow: 60n })
    const start = await blockTime(chain, receipt)
    await expectRevert(timeout(user, jobId), 'SessionNotTimedOut', [jobId])
    // At exactly startTime + proofTimeoutWindow the host is not yet late.
    await chain.testClient.setNextBlockTimestamp({ timestamp: start + 60n })
    await expectRevert(timeout(user, jobId), 'SessionNotTimedOut', [jobId])
    await chain.testClient.mine({ blocks: 1 })
    // A proof restarts the window.
    await submitProof(chain, host, { jobId, tokensClaimed: 1000n })
    await advanceTime(chain, 30)
    await expectRevert(timeout(user, jobId), 'SessionNotTimedOut', [jobId])
    await expectRevert(timeout(user, 42n), 'SessionNotFound', [42n])
  })

  test('anyone may time out a session without a proof after proofTimeoutWindow: all refunded', async () => {
    const user = at(chain.users, 0)
    const usdc = chain.contracts.usdcToken
    const { jobId } = await openSession({ proofTimeoutWindow: 60n })
    expect(await balanceOf(chain, usdc, user.address)).toBe(9_995n * USDC)
    await advanceTime(chain, 61)

    const receipt = await confirm(chain, timeout(at(chain.users, 3), jobId))
    expect(getEventArgs(receipt, marketplaceAbi, 'SessionTimedOut')).toEqual([
      { jobId, hostEarnings: 0n, userRefund: 5n * USDC },
    ])
    expect(getEventArgs(receipt, marketplaceAbi, 'SessionCompleted')).toEqual([])
    const session = await readSession(chain, jobId)
    expect([session.status, session.withdrawnByHost, session.refundedToUser]).toEqual([
      SessionStatus.TimedOut,
      0n,
      5n * USDC,
    ])
    expect(await balanceOf(chain, usdc, user.address)).toBe(10_000n * USDC)
    expect(await balanceOf(chain, usdc, chain.contracts.jobMarketplace)).toBe(0n)
    await expectRevert(complete(user, jobId), 'SessionNotActive', [jobId])
  })

  test('a host silent for proofTimeoutWindow after its last proof is paid for what it proved', async () => {
    const [user, host] = [at(chain.users, 0), at(chain.hosts, 0)]
    const { jobId } = await openSession({ proofTimeoutWindow: 300n })
    await submitProof(chain, host, { jobId, tokensClaimed: 1000n })
    await advanceTime(chain, 301)
    const receipt = await confirm(chain, timeout(host, jobId))
    // 1000 tokens × 1000 / 1000 = 1000 base units; fee 10 % = 100; net 900.
    expect(getEventArgs(receipt, marketplaceAbi, 'SessionTimedOut')).toEqual([
      { jobId, hostEarnings: 900n, userRefund: 5n * USDC - 1000n },
    ])
    expect(await balanceOf(chain, chain.contracts.usdcToken, user.address)).toBe(
      10_000n * USDC - 1000n,
    )
  })

  test('a session times out after maxDuration even while its host keeps proving', async () => {
    const [user, host] = [at(chain.users, 0), at(chain.hosts, 0)]
    const { jobId, receipt } = await openSession({ maxDuration: 100n, proofTimeoutWindow: 3600n })
    const start = await blockTime(chain, receipt)
    await submitProof(chain, host, { jobId, tokensClaimed: 1500n })
    await chain.testClient.setNextBlockTimestamp({ timestamp: start + 100n })
    await expectRevert(timeout(user, jobId), 'SessionNotTimedOut', [jobId])
    await chain.testClient.mine({ blocks: 1 })
    await advanceTime(chain, 1)

    const timedOut = await confirm(chain, timeout(user, jobId))
    // 1500 tokens → 1500 base units; fee 150; net 1350.
    expect(getEventArgs(timedOut, marketplaceAbi, 'SessionTimedOut')).toEqual([
      { jobId, hostEarnings: 1350n, userRefund: 5n * USDC - 1500n },
    ])
    expect((await readSession(chain, jobId)).status).toBe(SessionStatus.TimedOut)
  })

  test('native sessions time out the same way', async () => {
    const user = at(chain.users, 1)
    const { jobId } = await createNativeSession(chain, user, {
      host: at(chain.hosts, 0),
      model: at(chain.models, 0),
      deposit: 10n ** 15n,
      pricePerToken: 1_000_000n,
      proofTimeoutWindow: 60n,
    })
    await advanceTime(chain, 61)
    const before = await balanceOf(chain, NATIVE_TOKEN, user.address)
    const receipt = await confirm(chain, timeout(at(chain.users, 2), jobId))
    expect(getEventArgs(receipt, marketplaceAbi, 'SessionTimedOut')).toEqual([
      { jobId, hostEarnings: 0n, userRefund: 10n ** 15n },
    ])
    expect(await balanceOf(chain, NATIVE_TOKEN, user.address)).toBe(before + 10n ** 15n)
    expect(await balanceOf(chain, NATIVE_TOKEN, chain.contracts.jobMarketplace)).toBe(0n)
  })
})
