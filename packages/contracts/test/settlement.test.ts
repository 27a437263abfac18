import { type Address, getAddress } from 'viem'
import { describe, expect, test } from 'vitest'
import { NATIVE_TOKEN, rejectingDepositorBytecode } from '../src/index.js'
import {
  type Actor,
  advanceTime,
  at,
  balanceOf,
  confirm,
  createNativeSession,
  createTokenSession,
  depositorAbi,
  earningsAbi,
  expectRevert,
  gasCost,
  getEventArgs,
  marketplaceAbi,
  proofHash,
  readSession,
  registerHost,
  setPricing,
  submitProof,
  USDC,
  useTestChain,
} from './chainHelpers.js'

const chain = useTestChain({
  setup: async (chain) => {
    const m0 = at(chain.models, 0)
    for (const host of [at(chain.hosts, 0), at(chain.hosts, 1)]) {
      await registerHost(chain, host, { models: [m0] })
      await setPricing(chain, host, m0, NATIVE_TOKEN, 1_000_000n)
      await setPricing(chain, host, m0, chain.contracts.usdcToken, 1_000n)
    }
  },
})

const complete = (sender: Actor, jobId: bigint) =>
  sender.walletClient.writeContract({
    address: chain.contracts.jobMarketplace,
    abi: marketplaceAbi,
    functionName: 'completeSessionJob',
    args: [jobId, 'bafyconversation'],
  })

const treasuryFees = (token: Address) =>
  chain.publicClient.readContract({
    address: chain.contracts.jobMarketplace,
    abi: marketplaceAbi,
    functionName: 'accumulatedTreasuryFees',
    args: [token],
  })

const hostBalance = (host: Address, token: Address) =>
  chain.publicClient.readContract({
    address: chain.contracts.hostEarnings,
    abi: earningsAbi,
    functionName: 'getBalance',
    args: [host, token],
  })

const depositBalance = (depositor: Address, token: Address) =>
  chain.publicClient.readContract({
    address: chain.contracts.jobMarketplace,
    abi: marketplaceAbi,
    functionName: 'getDepositBalance',
    args: [depositor, token],
  })

const withdrawFees = (sender: Actor, token: Address) =>
  sender.walletClient.writeContract({
    address: chain.contracts.jobMarketplace,
    abi: marketplaceAbi,
    functionName: 'withdrawTreasuryFees',
    args: [token],
  })

const withdrawEarnings = (host: Actor, token: Address) =>
  host.walletClient.writeContract({
    address: chain.contracts.hostEarnings,
    abi: earningsAbi,
    functionName: 'withdrawAll',
    args: [token],
  })

describe('settlement', () => {
  test('the devnet marketplace takes 10 % for its treasury', async () => {
    const read = (functionName: 'feeBasisPoints' | 'treasury') =>
      chain.publicClient.readContract({
        address: chain.contracts.jobMarketplace,
        abi: marketplaceAbi,
        functionName,
      })
    expect(await read('feeBasisPoints')).toBe(1000n)
    expect(await read('treasury')).toBe(chain.treasury.address)
  })

  test('native: payment, fee, net and refund are exact, and each party withdraws its share', async () => {
    const [user, host] = [at(chain.users, 0), at(chain.hosts, 0)]
    const marketplace = chain.contracts.jobMarketplace
    const deposit = 10n ** 15n
    const userStart = await balanceOf(chain, NATIVE_TOKEN, user.address)

    const created = await createNativeSession(chain, user, {
      host,
      model: at(chain.models, 0),
      deposit,
      pricePerToken: 3_333_333_333n,
      proofInterval: 1000n,
    })
    const { jobId } = created
    await submitProof(chain, host, { jobId, tokensClaimed: 1000n })
    await submitProof(chain, host, { jobId, tokensClaimed: 234n })

    // 1234 × 3,333,333,333 / 1000 = 4,113,333,332.922 → 4,113,333,332 wei.
    const payment = 4_113_333_332n
    // 10 % of it: 411,333,333.2 → 411,333,333.
    const fee = 411_333_333n
    const net = 3_701_999_999n
    const refund = 999_995_886_666_668n
    expect(payment - fee).toBe(net)
    expect(deposit - payment).toBe(refund)

    const completed = await confirm(chain, complete(user, jobId))
    expect(getEventArgs(completed, marketplaceAbi, 'SessionCompleted')).toEqual([
      { jobId, totalTokensUsed: 1234n, hostEarnings: net, userRefund: refund },
    ])
    expect(getEventArgs(completed, marketplaceAbi, 'SessionCompletedBy')).toEqual([
      {
        jobId,
        completedBy: user.address,
        tokensUsed: 1234n,
        paymentAmount: payment,
        refundAmount: refund,
      },
    ])
    expect(getEventArgs(completed, earningsAbi, 'EarningsCredited')).toEqual([
      { host: host.address, amount: net, token: NATIVE_TOKEN },
    ])
    expect(getEventArgs(completed, marketplaceAbi, 'RefundCreditedToDeposit')).toEqual([])
    // The depositor got the refund; it paid the payment and the gas of its two transactions.
    expect(await balanceOf(chain, NATIVE_TOKEN, user.address)).toBe(
      userStart - payment - gasCost(created.receipt) - gasCost(completed),
    )
    const session = await readSession(chain, jobId)
    expect([session.withdrawnByHost, session.refundedToUser]).toEqual([net, refund])
    expect(await treasuryFees(NATIVE_TOKEN)).toBe(fee)
    expect(await hostBalance(host.address, NATIVE_TOKEN)).toBe(net)
    expect(await hostBalance(at(chain.hosts, 1).address, NATIVE_TOKEN)).toBe(0n)
    expect(await balanceOf(chain, NATIVE_TOKEN, chain.contracts.hostEarnings)).toBe(net)
    expect(await balanceOf(chain, NATIVE_TOKEN, marketplace)).toBe(fee)

    // Anyone may push the fees to the treasury, which pays no gas for it.
    const treasuryStart = await balanceOf(chain, NATIVE_TOKEN, chain.treasury.address)
    const feesOut = await confirm(chain, withdrawFees(at(chain.users, 1), NATIVE_TOKEN))
    expect(getEventArgs(feesOut, marketplaceAbi, 'TreasuryFeesWithdrawn')).toEqual([
      { treasury: chain.treasury.address, amount: fee, token: NATIVE_TOKEN },
    ])
    expect(await balanceOf(chain, NATIVE_TOKEN, chain.treasury.address)).toBe(treasuryStart + fee)
    expect(await treasuryFees(NATIVE_TOKEN)).toBe(0n)
    await expectRevert(withdrawFees(user, NATIVE_TOKEN), 'NothingToWithdraw', [])

    const hostStart = await balanceOf(chain, NATIVE_TOKEN, host.address)
    const earningsOut = await confirm(chain, withdrawEarnings(host, NATIVE_TOKEN))
    expect(getEventArgs(earningsOut, earningsAbi, 'EarningsWithdrawn')).toEqual([
      { host: host.address, amount: net, token: NATIVE_TOKEN },
    ])
    expect(await balanceOf(chain, NATIVE_TOKEN, host.address)).toBe(
      hostStart + net - gasCost(earningsOut),
    )
    expect(await hostBalance(host.address, NATIVE_TOKEN)).toBe(0n)
    await expectRevert(withdrawEarnings(host, NATIVE_TOKEN), 'NothingToWithdraw', [])

    expect(await balanceOf(chain, NATIVE_TOKEN, marketplace)).toBe(0n)
    expect(await balanceOf(chain, NATIVE_TOKEN, chain.contracts.hostEarnings)).toBe(0n)
  })

  test('USDC: payment, fee, net and refund are exact to the base unit', async () => {
    const [user, host] = [at(chain.users, 1), at(chain.hosts, 1)]
    const usdc = chain.contracts.usdcToken
    const { jobId } = await createTokenSession(chain, user, {
      host,
      model: at(chain.models, 0),
      deposit: 5n * USDC,
      pricePerToken: 2_501n,
      proofInterval: 1000n,
    })
    await submitProof(chain, host, { jobId, tokensClaimed: 1000n })
    await submitProof(chain, host, { jobId, tokensClaimed: 234n })

    // 1234 × 2501 / 1000 = 3086.234 → 3086; fee 308.6 → 308; net 2778; refund 4,996,914.
    const completed = await confirm(chain, complete(user, jobId))
    expect(getEventArgs(completed, marketplaceAbi, 'SessionCompleted')).toEqual([
      { jobId, totalTokensUsed: 1234n, hostEarnings: 2778n, userRefund: 4_996_914n },
    ])
    expect(getEventArgs(completed, marketplaceAbi, 'SessionCompletedBy')).toEqual([
      {
        jobId,
        completedBy: user.address,
        tokensUsed: 1234n,
        paymentAmount: 3086n,
        refundAmount: 4_996_914n,
      },
    ])
    expect(await balanceOf(chain, usdc, user.address)).toBe(10_000n * USDC - 3086n)
    expect(await treasuryFees(usdc)).toBe(308n)
    expect(await treasuryFees(NATIVE_TOKEN)).toBe(0n)
    expect(await hostBalance(host.address, usdc)).toBe(2778n)
    expect(await balanceOf(chain, usdc, chain.contracts.hostEarnings)).toBe(2778n)
    expect(await balanceOf(chain, usdc, chain.contracts.jobMarketplace)).toBe(308n)

    await confirm(chain, withdrawFees(user, usdc))
    expect(await balanceOf(chain, usdc, chain.treasury.address)).toBe(308n)
    await confirm(chain, withdrawEarnings(host, usdc))
    expect(await balanceOf(chain, usdc, host.address)).toBe(2778n)
    expect(await hostBalance(host.address, usdc)).toBe(0n)
    expect(await balanceOf(chain, usdc, chain.contracts.jobMarketplace)).toBe(0n)
    expect(await balanceOf(chain, usdc, chain.contracts.hostEarnings)).toBe(0n)
  })

  test('tokensUsed exactly proofInterval, and above it, are billed as used', async () => {
    const [user, host] = [at(chain.users, 0), at(chain.hosts, 0)]
    const usdc = chain.contracts.usdcToken
    const open = (proofInterval: bigint) =>
      createTokenSession(chain, user, {
        host,
        model: at(chain.models, 0),
        deposit: 5n * USDC,
        pricePerToken: 2_501n,
        proofInterval,
      })

    // Exactly the interval: 1500 × 2501 / 1000 = 3751.5 → 3751; fee 375; net 3376.
    const exact = await open(1500n)
    // Fewer than proofInterval tokens can never be billed: the first claim must reach it.
    await advanceTime(chain, 5)
    await expectRevert(
      host.walletClient.writeContract({
        address: chain.contracts.jobMarketplace,
        abi: marketplaceAbi,
        functionName: 'submitProofOfWork',
        args: [exact.jobId, 1499n, proofHash('short'), '', ''],
      }),
      'TooFewTokensClaimed',
      [1499n, 1500n],
    )
    await submitProof(chain, host, { jobId: exact.jobId, tokensClaimed: 1500n })
    const exactDone = await confirm(chain, complete(user, exact.jobId))
    expect(getEventArgs(exactDone, marketplaceAbi, 'SessionCompletedBy')).toEqual([
      {
        jobId: exact.jobId,
        completedBy: user.address,
        tokensUsed: 1500n,
        paymentAmount: 3751n,
        refundAmount: 5n * USDC - 3751n,
      },
    ])

    // The smallest interval, then more: 100 + 100 + 150 = 350 × 2501 / 1000 = 875.35 → 875; fee 87; net 788.
    const small = await open(100n)
    for (const tokensClaimed of [100n, 100n, 150n]) {
      await submitProof(chain, host, { jobId: small.jobId, tokensClaimed })
    }
    const smallDone = await confirm(chain, complete(user, small.jobId))
    expect(getEventArgs(smallDone, marketplaceAbi, 'SessionCompleted')).toEqual([
      {
        jobId: small.jobId,
        totalTokensUsed: 350n,
        hostEarnings: 788n,
        userRefund: 5n * USDC - 875n,
      },
    ])

    expect(await treasuryFees(usdc)).toBe(375n + 87n)
    expect(await hostBalance(host.address, usdc)).toBe(3376n + 788n)
    expect(await balanceOf(chain, usdc, user.address)).toBe(10_000n * USDC - 3751n - 875n)
  })

  test('a session without a proof refunds the whole deposit and pays nothing', async () => {
    const [user, host] = [at(chain.users, 2), at(chain.hosts, 0)]
    const usdc = chain.contracts.usdcToken

    const tokenSession = await createTokenSession(chain, user, {
      host,
      model: at(chain.models, 0),
      deposit: 3n * USDC,
      pricePerToken: 1_000n,
    })
    const tokenDone = await confirm(chain, complete(user, tokenSession.jobId))
    expect(getEventArgs(tokenDone, marketplaceAbi, 'SessionCompleted')).toEqual([
      { jobId: tokenSession.jobId, totalTokensUsed: 0n, hostEarnings: 0n, userRefund: 3n * USDC },
    ])
    expect(getEventArgs(tokenDone, marketplaceAbi, 'SessionCompletedBy')).toEqual([
      {
        jobId: tokenSession.jobId,
        completedBy: user.address,
        tokensUsed: 0n,
        paymentAmount: 0n,
        refundAmount: 3n * USDC,
      },
    ])
    expect(getEventArgs(tokenDone, earningsAbi, 'EarningsCredited')).toEqual([])
    expect(await balanceOf(chain, usdc, user.address)).toBe(10_000n * USDC)

    const start = await balanceOf(chain, NATIVE_TOKEN, user.address)
    const nativeSession = await createNativeSession(chain, user, {
      host,
      model: at(chain.models, 0),
      deposit: 10n ** 15n,
      pricePerToken: 1_000_000n,
    })
    const nativeDone = await confirm(chain, complete(user, nativeSession.jobId))
    expect(getEventArgs(nativeDone, marketplaceAbi, 'SessionCompleted')).toEqual([
      { jobId: nativeSession.jobId, totalTokensUsed: 0n, hostEarnings: 0n, userRefund: 10n ** 15n },
    ])
    expect(await balanceOf(chain, NATIVE_TOKEN, user.address)).toBe(
      start - gasCost(nativeSession.receipt) - gasCost(nativeDone),
    )

    expect(await treasuryFees(usdc)).toBe(0n)
    expect(await treasuryFees(NATIVE_TOKEN)).toBe(0n)
    expect(await hostBalance(host.address, usdc)).toBe(0n)
    expect(await hostBalance(host.address, NATIVE_TOKEN)).toBe(0n)
    expect(await balanceOf(chain, NATIVE_TOKEN, chain.contracts.jobMarketplace)).toBe(0n)
    expect(await balanceOf(chain, usdc, chain.contracts.jobMarketplace)).toBe(0n)
  })

  test('a depositor that rejects the refund gets it credited (RefundCreditedToDeposit) and withdraws later', async () => {
    const [user, host] = [at(chain.users, 3), at(chain.hosts, 0)]
    const marketplace = chain.contracts.jobMarketplace
    const deployed = await confirm(
      chain,
      user.walletClient.deployContract({
        abi: depositorAbi,
        bytecode: rejectingDepositorBytecode,
        args: [marketplace],
      }),
    )
    const depositor = getAddress(deployed.contractAddress ?? '')
    expect(depositor).toMatch(/^0x[0-9a-fA-F]{40}$/)
    const callDepositor = (functionName: 'complete' | 'withdraw', jobId?: bigint) =>
      functionName === 'complete'
        ? user.walletClient.writeContract({
            address: depositor,
            abi: depositorAbi,
            functionName,
            args: [jobId ?? 0n],
          })
        : user.walletClient.writeContract({ address: depositor, abi: depositorAbi, functionName })

    const deposit = 10n ** 15n
    const created = await confirm(
      chain,
      user.walletClient.writeContract({
        address: depositor,
        abi: depositorAbi,
        functionName: 'createSession',
        args: [host.address, at(chain.models, 0), 1_000_000n, 3600n, 1000n, 300n],
        value: deposit,
      }),
    )
    const [event] = getEventArgs(created, marketplaceAbi, 'SessionJobCreatedForModel')
    expect(event?.depositor).toBe(depositor)
    const jobId = event?.jobId ?? 0n
    await submitProof(chain, host, { jobId, tokensClaimed: 1000n })

    // 1000 × 1,000,000 / 1000 = 10^6 wei; fee 10^5; net 9 × 10^5; refund 10^15 − 10^6.
    const refund = deposit - 1_000_000n
    const completed = await confirm(chain, callDepositor('complete', jobId))
    expect(getEventArgs(completed, marketplaceAbi, 'RefundCreditedToDeposit')).toEqual([
      { jobId, depositor, amount: refund, token: NATIVE_TOKEN },
    ])
    expect(getEventArgs(completed, marketplaceAbi, 'SessionCompleted')).toEqual([
      { jobId, totalTokensUsed: 1000n, hostEarnings: 900_000n, userRefund: refund },
    ])
    expect(await depositBalance(depositor, NATIVE_TOKEN)).toBe(refund)
    expect(await balanceOf(chain, NATIVE_TOKEN, depositor)).toBe(0n)
    expect(await balanceOf(chain, NATIVE_TOKEN, marketplace)).toBe(refund + 100_000n)

    // Still refusing: the withdrawal fails and nothing moves.
    await expectRevert(callDepositor('withdraw'), 'NativeTransferFailed', [])
    expect(await depositBalance(depositor, NATIVE_TOKEN)).toBe(refund)

    await confirm(
      chain,
      user.walletClient.writeContract({
        address: depositor,
        abi: depositorAbi,
        functionName: 'setAccepting',
        args: [true],
      }),
    )
    const withdrawn = await confirm(chain, callDepositor('withdraw'))
    expect(getEventArgs(withdrawn, marketplaceAbi, 'DepositWithdrawn')).toEqual([
      { depositor, amount: refund, token: NATIVE_TOKEN },
    ])
    expect(await balanceOf(chain, NATIVE_TOKEN, depositor)).toBe(refund)
    expect(await depositBalance(depositor, NATIVE_TOKEN)).toBe(0n)
    await expectRevert(callDepositor('withdraw'), 'NothingToWithdraw', [])
    expect(await balanceOf(chain, NATIVE_TOKEN, marketplace)).toBe(100_000n)
  })

  test('no funds stay stuck: after every session settles and all withdraw, the contracts hold nothing', async () => {
    const [h0, h1] = [at(chain.hosts, 0), at(chain.hosts, 1)]
    const [u0, u1, u2] = [at(chain.users, 0), at(chain.users, 1), at(chain.users, 2)]
    const usdc = chain.contracts.usdcToken
    const model = at(chain.models, 0)
    const usdcTotal = async () => {
      let total = 0n
      for (const holder of [...chain.users, ...chain.hosts, chain.treasury]) {
        total += await balanceOf(chain, usdc, holder.address)
      }
      return total
    }
    const usdcBefore = await usdcTotal()

    const sessions: { jobId: bigint; user: Actor; host: Actor; tokens: bigint[] }[] = []
    const native = (user: Actor, host: Actor, deposit: bigint, pricePerToken: bigint) =>
      createNativeSession(chain, user, { host, model, deposit, pricePerToken })
    const token = (user: Actor, host: Actor, deposit: bigint, pricePerToken: bigint) =>
      createTokenSession(chain, user, { host, model, deposit, pricePerToken })
    sessions.push({
      ...(await native(u0, h0, 10n ** 15n, 3_333_333_333n)),
      user: u0,
      host: h0,
      tokens: [1000n, 777n],
    })
    sessions.push({
      ...(await native(u1, h1, 10n ** 14n, 7_777_777n)),
      user: u1,
      host: h1,
      tokens: [1001n],
    })
    sessions.push({
      ...(await native(u2, h0, 10n ** 14n, 1_000_000n)),
      user: u2,
      host: h0,
      tokens: [],
    })
    sessions.push({
      ...(await token(u0, h1, 2n * USDC, 1_234n)),
      user: u0,
      host: h1,
      tokens: [1000n, 333n],
    })
    sessions.push({ ...(await token(u1, h0, USDC, 9_999n)), user: u1, host: h0, tokens: [1003n] })
    sessions.push({ ...(await token(u2, h1, USDC, 1_000n)), user: u2, host: h1, tokens: [] })

    for (const { jobId, host, tokens } of sessions) {
      for (const tokensClaimed of tokens) await submitProof(chain, host, { jobId, tokensClaimed })
    }
    // Half complete by the depositor, half time out.
    for (const [index, { jobId, user }] of sessions.entries()) {
      if (index % 2 === 0) await confirm(chain, complete(user, jobId))
    }
    await advanceTime(chain, 301)
    for (const [index, { jobId }] of sessions.entries()) {
      if (index % 2 === 1) {
        await confirm(
          chain,
          chain.deployer.walletClient.writeContract({
            address: chain.contracts.jobMarketplace,
            abi: marketplaceAbi,
            functionName: 'triggerSessionTimeout',
            args: [jobId],
          }),
        )
      }
    }

    for (const tokenAddress of [NATIVE_TOKEN, usdc]) {
      await confirm(chain, withdrawFees(chain.deployer, tokenAddress))
      for (const host of [h0, h1]) await confirm(chain, withdrawEarnings(host, tokenAddress))
      expect(await balanceOf(chain, tokenAddress, chain.contracts.jobMarketplace)).toBe(0n)
      expect(await balanceOf(chain, tokenAddress, chain.contracts.hostEarnings)).toBe(0n)
      expect(await treasuryFees(tokenAddress)).toBe(0n)
      for (const host of [h0, h1]) expect(await hostBalance(host.address, tokenAddress)).toBe(0n)
    }
    // USDC only moved between users, hosts and the treasury.
    expect(await usdcTotal()).toBe(usdcBefore)
    // The treasury got exactly 10 % (floored per session) of the USDC payments:
    // 1333 × 1234 / 1000 = 1644 → fee 164; 1003 × 9999 / 1000 = 10028 → fee 1002.
    expect(await balanceOf(chain, usdc, chain.treasury.address)).toBe(164n + 1002n)
  })
})
