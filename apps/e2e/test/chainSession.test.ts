import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { getModelId, hostEarningsAbi, jobMarketplaceAbi, NATIVE_TOKEN } from '@fabstir/contracts'
import { createDevnetClients, type Devnet, startDevnet } from '@fabstir/devnet'
import {
  createDevelopmentJobVerifier,
  createEmbeddedBackend,
  registerHost,
  startHost,
} from '@fabstir/host'
import { webSocket } from '@fabstir/sdk/node'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { hostCommand } from '../src/hostCommand.js'
import { runPaidSession } from '../src/runPaidSession.js'
import { spawnHost } from '../src/spawnHost.js'

// The whole paid flow on a real local chain, with the host as its own process: the host
// registers itself (stake, metadata with its Ed25519 key, price), the user opens a job with a
// deposit, authenticates with the wallet that paid and streams; the host proves its work on chain
// and tells the client; the user completes the job; the deposit settles to the wei.

const model = 'fabstir/ngram-trigram.json'
const price = 2000n
let devnet: Devnet
let contractsFile: string

beforeAll(async () => {
  devnet = await startDevnet()
  contractsFile = join(mkdtempSync(join(tmpdir(), 'fabstir-e2e-')), 'devnet.json')
  writeFileSync(contractsFile, JSON.stringify({ contracts: devnet.contracts }))
})
afterAll(async () => {
  await devnet?.stop()
})

test('register → create with deposit → stream → proofs → complete settles exactly', async () => {
  const [hostAccount] = devnet.accounts.hosts
  const [userAccount] = devnet.accounts.users
  if (!hostAccount || !userAccount) throw new Error('devnet accounts missing')
  await using host = await spawnHost({
    command: hostCommand({ source: true }),
    args: [
      '--model',
      model,
      '--rpc-url',
      devnet.rpcUrl,
      '--contracts',
      contractsFile,
      '--price-native',
      String(price),
    ],
    env: { FABSTIR_HOST_PRIVATE_KEY: hostAccount.privateKey },
  })
  const user = createDevnetClients(devnet, userAccount)
  const earnings = () =>
    user.publicClient.readContract({
      address: devnet.contracts.hostEarnings,
      abi: hostEarningsAbi,
      functionName: 'getBalance',
      args: [hostAccount.address, NATIVE_TOKEN],
    })
  const earningsBefore = await earnings()
  const deposit = 10n ** 15n
  const seen = { turns: 0, text: '', checkpoints: 0 }

  const report = await runPaidSession({
    publicClient: user.publicClient,
    walletClient: user.walletClient,
    addresses: devnet.contracts,
    host: { address: hostAccount.address, url: host.url },
    model,
    // Each answer is worth more than the proof interval (100 tokens), so each is proven on its
    // own and nothing is left under the contract's 100-token minimum at the end.
    prompts: ['Tell me about the White Rabbit.', 'And what did Alice do next?'],
    maxTokens: 120,
    deposit,
    inference: { webSocket },
    onTurn: () => {
      seen.turns += 1
    },
    onText: (text) => {
      seen.text += text
    },
    onCheckpoint: (_checkpoint, verified) => {
      if (verified) seen.checkpoints += 1
    },
  })
  expect(seen.turns).toBe(2)
  expect(seen.text.length).toBeGreaterThan(0)
  expect(seen.checkpoints).toBe(report.checkpoints.length)

  expect(report.pricePerToken).toBe(price)
  expect(report.provenTokens.reduce((sum, tokens) => sum + tokens, 0n)).toBe(report.usedTokens)
  expect(report.checkpoints.length).toBeGreaterThan(0)
  const paid = (report.usedTokens * price) / 1000n
  const fee = (paid * 1000n) / 10_000n // the devnet's fee: 10 %
  expect(report.settlement).toMatchObject({
    jobId: report.jobId,
    status: 'completed',
    tokensUsed: report.usedTokens,
    paid,
    fee,
    hostEarnings: paid - fee,
    refunded: deposit - paid,
    refundCreditedToDeposit: false,
  })
  expect((await earnings()) - earningsBefore).toBe(paid - fee)
  const treasuryFees = await user.publicClient.readContract({
    address: devnet.contracts.jobMarketplace,
    abi: jobMarketplaceAbi,
    functionName: 'accumulatedTreasuryFees',
    args: [NATIVE_TOKEN],
  })
  expect(treasuryFees).toBe(fee)
})

test('a registered host that never proves its work is reported, not waited for forever', async () => {
  const [, hostAccount] = devnet.accounts.hosts
  const [, userAccount] = devnet.accounts.users
  if (!hostAccount || !userAccount) throw new Error('devnet accounts missing')
  // Registered on chain, but serving without a chain connection: it accepts the job unchecked
  // (development verifier) and submits no proofs.
  await using host = await startHost({
    backends: [createEmbeddedBackend({ name: model })],
    jobVerifier: createDevelopmentJobVerifier(),
    chainId: devnet.chainId,
    hostAddress: hostAccount.address,
  })
  const operator = createDevnetClients(devnet, hostAccount)
  await registerHost({
    ...operator,
    addresses: devnet.contracts,
    metadata: { ed25519PublicKey: host.publicKey },
    apiUrl: host.url,
    models: [{ id: getModelId(model), prices: [{ token: NATIVE_TOKEN, price }] }],
  })
  const user = createDevnetClients(devnet, userAccount)
  const error = await runPaidSession({
    publicClient: user.publicClient,
    walletClient: user.walletClient,
    addresses: devnet.contracts,
    host: { address: hostAccount.address, url: host.url },
    model,
    prompts: ['Tell me about the White Rabbit.', 'And what did Alice do next?'],
    deposit: 10n ** 15n,
    proofTimeoutMs: 300,
    inference: { webSocket },
  }).catch((caught: unknown) => caught)
  expect(String(error)).toMatch(/the host's proofs cover {2}of \d+ tokens/)
})
