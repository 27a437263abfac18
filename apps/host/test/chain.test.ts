import { AuthRequestError, authenticateSession } from '@fabstir/auth'
import { SessionJobManager } from '@fabstir/billing'
import { getModelId, NATIVE_TOKEN, nodeRegistryAbi } from '@fabstir/contracts'
import { createDevnetClients, type Devnet, type DevnetAccount, startDevnet } from '@fabstir/devnet'
import { privateKeyToAccount } from 'viem/accounts'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { registerHost } from '../src/chain/registerHost.js'
import { type StartHostOptions, startHost } from '../src/startHost.js'
import { createRecordingLogger } from './authHelpers.js'
import { createScriptedBackend } from './scriptedBackend.js'
import { startRpcProxy } from './startRpcProxy.js'
import { TestClient } from './testClient.js'

// The host against a real local chain: registration, the job verifier, proofs of work and
// completion after the dispute window (30 s on the devnet, passed by moving the chain's clock).

const model = 'scripted/model.bin'
const price = 2000n
let devnet: Devnet
let hostAccount: DevnetAccount
let otherHost: DevnetAccount
let user: DevnetAccount
let stranger: DevnetAccount

beforeAll(async () => {
  devnet = await startDevnet({ models: [{ repo: 'scripted', fileName: 'model.bin' }] })
  ;[hostAccount, otherHost] = devnet.accounts.hosts as [DevnetAccount, DevnetAccount]
  ;[user, stranger] = devnet.accounts.users as [DevnetAccount, DevnetAccount]
  for (const account of [hostAccount, otherHost]) {
    const { publicClient, walletClient } = createDevnetClients(devnet, account)
    await registerHost({
      publicClient,
      walletClient,
      addresses: devnet.contracts,
      metadata: { ed25519PublicKey: `0x${'00'.repeat(32)}` },
      apiUrl: 'http://127.0.0.1:1',
      models: [{ id: getModelId(model), prices: [{ token: NATIVE_TOKEN, price }] }],
    })
  }
})
afterAll(async () => {
  await devnet?.stop()
})

/** A host serving the scripted model on the devnet as `hostAccount`; `words` tokens per reply. */
async function startChainHost(words: number, options: Partial<StartHostOptions> = {}) {
  const { publicClient, walletClient } = createDevnetClients(devnet, hostAccount)
  const logger = createRecordingLogger()
  const host = await startHost({
    backends: [createScriptedBackend({ tokens: Array.from({ length: words }, () => 'word ') })],
    chain: {
      publicClient,
      walletClient,
      addresses: devnet.contracts,
      completionPollMs: 50,
      retryDelayMs: 100,
    },
    logger,
    ...options,
  })
  return Object.assign(host, { logger })
}

function jobs(account: DevnetAccount) {
  const { publicClient, walletClient } = createDevnetClients(devnet, account)
  return new SessionJobManager({ publicClient, walletClient, addresses: devnet.contracts })
}

async function openJob(
  host = hostAccount.address,
  proofInterval = 100n,
  deposit = 10n ** 15n,
  pricePerToken?: bigint,
): Promise<string> {
  const { jobId } = await jobs(user).createSessionJob({
    host,
    model,
    deposit,
    proofInterval,
    ...(pricePerToken === undefined ? {} : { pricePerToken }),
  })
  return String(jobId)
}

async function tokenFor(url: string, jobId: string, signer = user) {
  return authenticateSession({
    hostUrl: url,
    jobId,
    chainId: devnet.chainId,
    account: privateKeyToAccount(signer.privateKey),
  })
}

async function refusal(promise: Promise<unknown>): Promise<string | undefined> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  )
  return AuthRequestError.isInstance(error) ? error.code : String(error)
}

describe('the job verifier on chain', () => {
  test('issues a token for an active job of this host to its depositor only', async () => {
    await using host = await startChainHost(3)
    const jobId = await openJob()
    await expect(tokenFor(host.url, jobId)).resolves.toMatchObject({ token: expect.any(String) })
    expect(await refusal(tokenFor(host.url, jobId, stranger))).toBe('AUTH_FAILED')
    expect(await refusal(tokenFor(host.url, '999999'))).toBe('SESSION_NOT_FOUND')
    const otherHostsJob = await openJob(otherHost.address)
    expect(await refusal(tokenFor(host.url, otherHostsJob))).toBe('AUTH_FAILED')

    const settled = await openJob()
    await jobs(user).completeSessionJob({ jobId: BigInt(settled) })
    expect(await refusal(tokenFor(host.url, settled))).toBe('AUTH_FAILED')
  })
})

describe('proofs of work', () => {
  test('each answer worth a proof interval is proven with its transcript head, and checkpointed', async () => {
    await using host = await startChainHost(150)
    const jobId = await openJob()
    const auth = await tokenFor(host.url, jobId)
    const client = await TestClient.connect(host.url, { sessionId: jobId })
    await client.init({ token: auth.token, chain_id: devnet.chainId, model })

    client.send({ type: 'prompt', request_id: 'a', content: 'one' })
    const { message: response } = await client.until('response')
    const { message: checkpoint } = await client.until('checkpoint')
    expect(checkpoint).toMatchObject({
      session_id: jobId,
      index: 1,
      tokens_claimed: response.usage.total_tokens,
      cumulative_tokens: response.usage.total_tokens,
      proof_hash: response.transcript_head,
      sig: expect.any(String),
    })
    const [proof] = await jobs(user).getProofSubmissions({ jobId: BigInt(jobId) })
    expect(proof).toMatchObject({
      proofHash: response.transcript_head,
      tokensClaimed: BigInt(response.usage.total_tokens),
    })
    client.close()
  })

  test('at session end the rest is proven, then the host completes the job after the dispute window', async () => {
    await using host = await startChainHost(60)
    const jobId = await openJob(hostAccount.address, 100n)
    const auth = await tokenFor(host.url, jobId)
    const client = await TestClient.connect(host.url, { sessionId: jobId })
    await client.init({ token: auth.token, chain_id: devnet.chainId, model })
    let used = 0
    // Two answers of ~60 words: below the interval alone, above it together.
    for (const id of ['a', 'b']) {
      client.send({ type: 'prompt', request_id: id, content: 'again' })
      used += (await client.until('response')).message.usage.total_tokens
    }
    client.send({ type: 'session_end' })
    await client.until('session_closed')

    const { testClient } = createDevnetClients(devnet, user)
    const deadline = Date.now() + 20_000
    let claimed = 0n
    while (claimed < BigInt(used) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100))
      const proofs = await jobs(user).getProofSubmissions({ jobId: BigInt(jobId) })
      claimed = proofs.reduce((sum, proof) => sum + proof.tokensClaimed, 0n)
    }
    expect(claimed).toBe(BigInt(used))

    await testClient.increaseTime({ seconds: 31 })
    await testClient.mine({ blocks: 1 })
    let settlement: Awaited<ReturnType<SessionJobManager['getSettlement']>> | undefined
    while (settlement === undefined && Date.now() < deadline + 20_000) {
      await new Promise((resolve) => setTimeout(resolve, 100))
      settlement = await jobs(user)
        .getSettlement({ jobId: BigInt(jobId) })
        .catch(() => undefined)
    }
    const paid = (BigInt(used) * price) / 1000n
    expect(settlement).toMatchObject({
      status: 'completed',
      completedBy: hostAccount.address,
      tokensUsed: BigInt(used),
      paid,
      refunded: 10n ** 15n - paid,
    })
  })

  test('a session below its proof interval is never proven (the contract would refuse it)', async () => {
    await using host = await startChainHost(5)
    const jobId = await openJob(hostAccount.address, 1000n)
    const auth = await tokenFor(host.url, jobId)
    const client = await TestClient.connect(host.url, { sessionId: jobId })
    await client.init({ token: auth.token, chain_id: devnet.chainId, model })
    client.send({ type: 'prompt', request_id: 'a', content: 'short' })
    await client.until('response')
    client.send({ type: 'session_end' })
    await client.until('session_closed')
    await host.close()
    expect(await jobs(user).getProofSubmissions({ jobId: BigInt(jobId) })).toEqual([])
    expect(host.logger.lines.filter((line) => line.level === 'error')).toEqual([])
  })

  test('a claim faster than the contract allows is retried until it lands, not dropped', async () => {
    // 3500 tokens at once: the contract allows 1000 per second since the session started (+1 s).
    await using host = await startChainHost(3500)
    const jobId = await openJob(hostAccount.address, 100n, 10n ** 16n)
    // The chain's clock, not the machine's speed, decides: the claim's block is held 1 s after the
    // session's start (2000 tokens allowed) until the host has been refused and has retried.
    const { publicClient, testClient } = createDevnetClients(devnet, hostAccount)
    const { timestamp: startTime } = await publicClient.getBlock()
    await testClient.setNextBlockTimestamp({ timestamp: startTime + 1n })
    const auth = await tokenFor(host.url, jobId)
    const client = await TestClient.connect(host.url, { sessionId: jobId })
    await client.init({ token: auth.token, chain_id: devnet.chainId, model })
    client.send({ type: 'prompt', request_id: 'a', content: 'long', max_tokens: 4000 })
    const { message: response } = await client.until('response')
    expect(response.usage.completion_tokens).toBe(3500)
    const retried = () =>
      host.logger.lines.some((line) => line.message === 'submitProofOfWork will be retried')
    await expect.poll(retried, { timeout: 20_000, interval: 50 }).toBe(true)
    await testClient.mine({ blocks: 1 })
    const { message: checkpoint } = await client.until('checkpoint')
    expect(checkpoint.tokens_claimed).toBe(response.usage.total_tokens)
    client.close()
  })
})

test('while the chain is unreachable proofs wait and are retried; none is lost', async () => {
  await using proxy = await startRpcProxy(devnet.rpcUrl)
  const { publicClient, walletClient } = createDevnetClients(
    { rpcUrl: proxy.url, chain: devnet.chain },
    hostAccount,
  )
  const logger = createRecordingLogger()
  await using host = await startHost({
    backends: [createScriptedBackend({ tokens: Array.from({ length: 150 }, () => 'word ') })],
    chain: { publicClient, walletClient, addresses: devnet.contracts, retryDelayMs: 200 },
    logger,
  })
  const jobId = await openJob()
  const auth = await tokenFor(host.url, jobId)
  const client = await TestClient.connect(host.url, { sessionId: jobId })
  await client.init({ token: auth.token, chain_id: devnet.chainId, model })

  proxy.down = true
  client.send({ type: 'prompt', request_id: 'a', content: 'one' })
  const { message: response } = await client.until('response')
  // viem retries a few times on its own; the outage lasts until the host's own retry has begun.
  const retried = () => logger.lines.some((line) => line.message.endsWith('will be retried'))
  await expect.poll(retried, { timeout: 20_000, interval: 50 }).toBe(true)
  proxy.down = false
  const { message: checkpoint } = await client.until('checkpoint')
  expect(checkpoint.tokens_claimed).toBe(response.usage.total_tokens)
  client.close()
})

test('once the deposit is used up, prompts are refused with INSUFFICIENT_DEPOSIT', async () => {
  await using host = await startChainHost(150)
  // 10^14 wei at 5·10^14 per 1000 tokens covers 200 tokens.
  const jobId = await openJob(hostAccount.address, 100n, 10n ** 14n, 5n * 10n ** 14n)
  const auth = await tokenFor(host.url, jobId)
  const client = await TestClient.connect(host.url, { sessionId: jobId })
  await client.init({ token: auth.token, chain_id: devnet.chainId, model })
  client.send({ type: 'prompt', request_id: 'a', content: 'one' })
  await client.until('response')
  const { message: checkpoint } = await client.until('checkpoint')
  expect(checkpoint.tokens_claimed).toBeGreaterThanOrEqual(150)
  client.send({ type: 'prompt', request_id: 'b', content: 'two' })
  await client.until('response') // 300 tokens now: past what the deposit covers
  client.send({ type: 'prompt', request_id: 'c', content: 'three' })
  const refused = await client.until('error')
  expect(refused.message).toMatchObject({ code: 'INSUFFICIENT_DEPOSIT', request_id: 'c' })
  client.close()
})

describe('registration', () => {
  test('registers once; a second call with the same settings sends nothing; changes are applied', async () => {
    const [, , third] = devnet.accounts.hosts as [DevnetAccount, DevnetAccount, DevnetAccount]
    const { publicClient, walletClient } = createDevnetClients(devnet, third)
    const options = {
      publicClient,
      walletClient,
      addresses: devnet.contracts,
      metadata: { ed25519PublicKey: `0x${'ab'.repeat(32)}` as const, name: 'third' },
      apiUrl: 'http://127.0.0.1:9',
      models: [{ id: getModelId(model), prices: [{ token: NATIVE_TOKEN, price: 5000n }] }],
    }
    const first = await registerHost(options)
    expect(first.registered).toBe(true)
    expect(first.transactions.length).toBe(3) // approve, registerNode, setModelTokenPricing
    expect(await registerHost(options)).toEqual({ registered: false, transactions: [] })
    const changed = await registerHost({ ...options, apiUrl: 'http://127.0.0.1:10' })
    expect(changed.transactions.length).toBe(1)
    const info = await publicClient.readContract({
      address: devnet.contracts.nodeRegistry,
      abi: nodeRegistryAbi,
      functionName: 'getNodeFullInfo',
      args: [third.address],
    })
    expect(info[4]).toBe('http://127.0.0.1:10')
    expect(JSON.parse(info[3])).toEqual(options.metadata)
  })

  test('an unapproved model is refused with the contract’s reason', async () => {
    const [, , third] = devnet.accounts.hosts as [DevnetAccount, DevnetAccount, DevnetAccount]
    const { publicClient, walletClient } = createDevnetClients(devnet, third)
    const error = await registerHost({
      publicClient,
      walletClient,
      addresses: devnet.contracts,
      metadata: { ed25519PublicKey: `0x${'ab'.repeat(32)}` },
      apiUrl: 'http://127.0.0.1:9',
      models: [{ id: getModelId('nobody/unapproved.bin'), prices: [] }],
    }).catch((caught: unknown) => caught)
    expect(error).toMatchObject({ code: 'CONTRACT_REVERTED', errorName: 'ModelNotApproved' })
  })
})
