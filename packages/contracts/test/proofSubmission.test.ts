import type { Hex } from 'viem'
import { describe, expect, test } from 'vitest'
import { NATIVE_TOKEN } from '../src/index.js'
import {
  type Actor,
  advanceTime,
  at,
  blockTime,
  confirm,
  createNativeSession,
  createTokenSession,
  expectRevert,
  getEventArgs,
  marketplaceAbi,
  proofHash,
  proofsAbi,
  readSession,
  registerHost,
  setPricing,
  submitProof,
  USDC,
  useTestChain,
} from './chainHelpers.js'

const NATIVE_PRICE = 1_000_000n

const chain = useTestChain({
  setup: async (chain) => {
    const m0 = at(chain.models, 0)
    for (const host of [at(chain.hosts, 0), at(chain.hosts, 1)]) {
      await registerHost(chain, host, { models: [m0] })
      await setPricing(chain, host, m0, NATIVE_TOKEN, NATIVE_PRICE)
      await setPricing(chain, host, m0, chain.contracts.usdcToken, 1_000n)
    }
  },
})

/** A native session of user 0 with host 0: 0.001 ether at NATIVE_PRICE, proof interval 1000. */
const openSession = (
  overrides: {
    user?: Actor
    host?: Actor
    deposit?: bigint
    pricePerToken?: bigint
    proofInterval?: bigint
  } = {},
) =>
  createNativeSession(chain, overrides.user ?? at(chain.users, 0), {
    host: overrides.host ?? at(chain.hosts, 0),
    model: at(chain.models, 0),
    deposit: overrides.deposit ?? 10n ** 15n,
    pricePerToken: overrides.pricePerToken ?? NATIVE_PRICE,
    proofInterval: overrides.proofInterval ?? 1000n,
  })

let attempts = 0
const trySubmit = (
  sender: Actor,
  jobId: bigint,
  tokensClaimed: bigint,
  hash: Hex = proofHash(`attempt ${++attempts}`),
) =>
  sender.walletClient.writeContract({
    address: chain.contracts.jobMarketplace,
    abi: marketplaceAbi,
    functionName: 'submitProofOfWork',
    args: [jobId, tokensClaimed, hash, 'bafyproof', 'bafydelta'],
  })

const proofCount = (jobId: bigint) =>
  chain.publicClient.readContract({
    address: chain.contracts.jobMarketplace,
    abi: marketplaceAbi,
    functionName: 'getProofSubmissionCount',
    args: [jobId],
  })

describe('submitProofOfWork', () => {
  test('only the session host may submit (OnlyHost); unknown sessions revert SessionNotFound', async () => {
    const { jobId } = await openSession()
    await advanceTime(chain, 5)
    const [user, otherHost] = [at(chain.users, 0), at(chain.hosts, 1)]
    await expectRevert(trySubmit(user, jobId, 1000n), 'OnlyHost', [jobId, user.address])
    await expectRevert(trySubmit(otherHost, jobId, 1000n), 'OnlyHost', [jobId, otherHost.address])
    await expectRevert(trySubmit(at(chain.hosts, 0), 99n, 1000n), 'SessionNotFound', [99n])
    expect(await proofCount(jobId)).toBe(0n)
  })

  test('a claim is at least 100 tokens, and the first at least proofInterval', async () => {
    const host = at(chain.hosts, 0)
    const { jobId } = await openSession({ proofInterval: 500n })
    await advanceTime(chain, 5)
    await expectRevert(trySubmit(host, jobId, 99n), 'TooFewTokensClaimed', [99n, 100n])
    await expectRevert(trySubmit(host, jobId, 499n), 'TooFewTokensClaimed', [499n, 500n])
    await submitProof(chain, host, { jobId, tokensClaimed: 500n })
    // Later claims need only MIN_PROVEN_TOKENS.
    await submitProof(chain, host, { jobId, tokensClaimed: 100n })
    await advanceTime(chain, 5)
    await expectRevert(trySubmit(host, jobId, 99n), 'TooFewTokensClaimed', [99n, 100n])
    expect((await readSession(chain, jobId)).tokensUsed).toBe(600n)
  })

  test('cumulative claims may not exceed deposit × 1000 / price (ClaimExceedsDeposit)', async () => {
    const host = at(chain.hosts, 0)
    // 10^14 wei × 1000 / (2.5 × 10^13) = 4000 tokens.
    const { jobId } = await openSession({ deposit: 10n ** 14n, pricePerToken: 25_000_000_000_000n })
    await advanceTime(chain, 10)
    await expectRevert(trySubmit(host, jobId, 4001n), 'ClaimExceedsDeposit', [4001n, 4000n])
    await submitProof(chain, host, { jobId, tokensClaimed: 3000n })
    await advanceTime(chain, 10)
    await expectRevert(trySubmit(host, jobId, 1001n), 'ClaimExceedsDeposit', [4001n, 4000n])
    await submitProof(chain, host, { jobId, tokensClaimed: 1000n })
    await advanceTime(chain, 10)
    await expectRevert(trySubmit(host, jobId, 100n), 'ClaimExceedsDeposit', [4100n, 4000n])
    expect((await readSession(chain, jobId)).tokensUsed).toBe(4000n)

    // The same bound in USDC: 10^6 base units × 1000 / 250,000 = 4000 tokens.
    const usdcSession = await createTokenSession(chain, at(chain.users, 1), {
      host,
      model: at(chain.models, 0),
      deposit: USDC,
      pricePerToken: 250_000n,
    })
    await advanceTime(chain, 10)
    await expectRevert(trySubmit(host, usdcSession.jobId, 4001n), 'ClaimExceedsDeposit', [
      4001n,
      4000n,
    ])
    await submitProof(chain, host, { jobId: usdcSession.jobId, tokensClaimed: 4000n })
  })

  test('claims are rate-limited to 1000 tokens per elapsed second, plus one second (ClaimTooFast)', async () => {
    const host = at(chain.hosts, 0)
    const { jobId, receipt } = await openSession()
    const start = await blockTime(chain, receipt)

    // 3 s after creation: (3 + 1) × 1000 = 4000 tokens allowed.
    await chain.testClient.setNextBlockTimestamp({ timestamp: start + 3n })
    await expectRevert(trySubmit(host, jobId, 5000n), 'ClaimTooFast', [5000n, 4000n])
    await chain.testClient.mine({ blocks: 1 })

    await advanceTime(chain, 10)
    const first = await submitProof(chain, host, { jobId, tokensClaimed: 5000n, advance: false })
    const firstTime = await blockTime(chain, first)

    // The limit runs from the last proof: right after it, 5000 is too fast again...
    await chain.testClient.setNextBlockTimestamp({ timestamp: firstTime + 1n })
    await expectRevert(trySubmit(host, jobId, 5000n), 'ClaimTooFast', [5000n, 2000n])
    // ...and 4 s after it is exactly enough.
    await chain.testClient.setNextBlockTimestamp({ timestamp: firstTime + 4n })
    const second = await submitProof(chain, host, { jobId, tokensClaimed: 5000n, advance: false })
    expect(await blockTime(chain, second)).toBe(firstTime + 4n)
    expect((await readSession(chain, jobId)).tokensUsed).toBe(10_000n)
  })

  test('a proof hash is accepted once: reuse in the same or another session reverts ProofAlreadyUsed', async () => {
    const [h0, h1] = [at(chain.hosts, 0), at(chain.hosts, 1)]
    const hash = proofHash('the only proof')
    const { jobId } = await openSession()
    await submitProof(chain, h0, { jobId, tokensClaimed: 1000n, proofHash: hash })
    await advanceTime(chain, 5)
    await expectRevert(trySubmit(h0, jobId, 1000n, hash), 'ProofAlreadyUsed', [hash])

    const mine = await openSession({ user: at(chain.users, 1) })
    await advanceTime(chain, 5)
    await expectRevert(trySubmit(h0, mine.jobId, 1000n, hash), 'ProofAlreadyUsed', [hash])
    const theirs = await openSession({ user: at(chain.users, 1), host: h1 })
    await advanceTime(chain, 5)
    await expectRevert(trySubmit(h1, theirs.jobId, 1000n, hash), 'ProofAlreadyUsed', [hash])
    expect(await proofCount(jobId)).toBe(1n)
    expect(await proofCount(mine.jobId)).toBe(0n)
  })

  test('a proof is recorded: event, submission list, session fields and ProofSystem', async () => {
    const host = at(chain.hosts, 0)
    const m0 = at(chain.models, 0)
    const { jobId } = await createTokenSession(chain, at(chain.users, 2), {
      host,
      model: m0,
      deposit: 5n * USDC,
      pricePerToken: 1_000n,
      proofInterval: 1000n,
    })
    const [hash1, hash2] = [proofHash('checkpoint 1'), proofHash('checkpoint 2')]
    expect(
      await chain.publicClient.readContract({
        address: chain.contracts.proofSystem,
        abi: proofsAbi,
        functionName: 'verifiedProofs',
        args: [hash1],
      }),
    ).toBe(false)

    const first = await submitProof(chain, host, {
      jobId,
      tokensClaimed: 1200n,
      proofHash: hash1,
      proofCID: 'bafy-proof-1',
      deltaCID: 'bafy-delta-1',
    })
    expect(getEventArgs(first, marketplaceAbi, 'ProofSubmitted')).toEqual([
      {
        jobId,
        host: host.address,
        tokensClaimed: 1200n,
        proofHash: hash1,
        proofCID: 'bafy-proof-1',
        deltaCID: 'bafy-delta-1',
      },
    ])
    expect(getEventArgs(first, proofsAbi, 'ProofMarked')).toEqual([
      { proofHash: hash1, prover: host.address, claimedTokens: 1200n, modelId: m0 },
    ])
    const firstTime = await blockTime(chain, first)
    expect(await proofCount(jobId)).toBe(1n)
    expect(
      await chain.publicClient.readContract({
        address: chain.contracts.jobMarketplace,
        abi: marketplaceAbi,
        functionName: 'getProofSubmission',
        args: [jobId, 0n],
      }),
    ).toEqual([hash1, 1200n, firstTime, true, 'bafy-delta-1'])
    let session = await readSession(chain, jobId)
    expect([
      session.tokensUsed,
      session.lastProofHash,
      session.lastProofCID,
      session.lastProofTime,
    ]).toEqual([1200n, hash1, 'bafy-proof-1', firstTime])

    const second = await submitProof(chain, host, {
      jobId,
      tokensClaimed: 300n,
      proofHash: hash2,
      proofCID: 'bafy-proof-2',
      deltaCID: 'bafy-delta-2',
    })
    const secondTime = await blockTime(chain, second)
    expect(secondTime).toBeGreaterThan(firstTime)
    expect(await proofCount(jobId)).toBe(2n)
    expect(
      await chain.publicClient.readContract({
        address: chain.contracts.jobMarketplace,
        abi: marketplaceAbi,
        functionName: 'getProofSubmission',
        args: [jobId, 1n],
      }),
    ).toEqual([hash2, 300n, secondTime, true, 'bafy-delta-2'])
    session = await readSession(chain, jobId)
    expect([
      session.tokensUsed,
      session.lastProofHash,
      session.lastProofCID,
      session.lastProofTime,
      session.status,
    ]).toEqual([1500n, hash2, 'bafy-proof-2', secondTime, 0])
    await expectRevert(
      chain.publicClient.readContract({
        address: chain.contracts.jobMarketplace,
        abi: marketplaceAbi,
        functionName: 'getProofSubmission',
        args: [jobId, 2n],
      }),
      'ProofIndexOutOfRange',
      [jobId, 2n],
    )
    for (const hash of [hash1, hash2]) {
      expect(
        await chain.publicClient.readContract({
          address: chain.contracts.proofSystem,
          abi: proofsAbi,
          functionName: 'verifiedProofs',
          args: [hash],
        }),
      ).toBe(true)
    }
  })

  test('markProofUsed from anyone but an authorised caller reverts NotAuthorized', async () => {
    const hash = proofHash('direct')
    for (const caller of [at(chain.users, 0), at(chain.hosts, 0), chain.deployer]) {
      await expectRevert(
        caller.walletClient.writeContract({
          address: chain.contracts.proofSystem,
          abi: proofsAbi,
          functionName: 'markProofUsed',
          args: [hash, caller.address, 1000n, at(chain.models, 0)],
        }),
        'NotAuthorized',
        [caller.address],
      )
    }
    expect(
      await chain.publicClient.readContract({
        address: chain.contracts.proofSystem,
        abi: proofsAbi,
        functionName: 'authorizedCallers',
        args: [chain.contracts.jobMarketplace],
      }),
    ).toBe(true)
  })

  test('a settled session takes no more proofs (SessionNotActive)', async () => {
    const [host, user] = [at(chain.hosts, 0), at(chain.users, 0)]
    const { jobId } = await openSession()
    await submitProof(chain, host, { jobId, tokensClaimed: 1000n })
    await confirm(
      chain,
      user.walletClient.writeContract({
        address: chain.contracts.jobMarketplace,
        abi: marketplaceAbi,
        functionName: 'completeSessionJob',
        args: [jobId, 'bafyconversation'],
      }),
    )
    await advanceTime(chain, 5)
    await expectRevert(trySubmit(host, jobId, 1000n), 'SessionNotActive', [jobId])
  })
})
