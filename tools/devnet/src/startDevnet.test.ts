import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdtempSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import {
  getModelId,
  hostEarningsAbi,
  jobMarketplaceAbi,
  MIN_PROVEN_TOKENS,
  modelRegistryAbi,
  proofSystemAbi,
  testTokenAbi,
} from '@fabstir/contracts'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { createDevnetClients } from './createDevnetClients.js'
import { type Devnet, defaultDevnetModels, startDevnet } from './startDevnet.js'

let devnet: Devnet
beforeAll(async () => {
  devnet = await startDevnet({ feeBasisPoints: 250n, disputeWindow: 7n })
})
afterAll(async () => {
  await devnet?.stop()
})

test('deploys and wires the contracts with the options given', async () => {
  const { publicClient } = createDevnetClients(devnet, devnet.accounts.deployer)
  const read = (
    address: `0x${string}`,
    abi: readonly unknown[],
    functionName: string,
    args: unknown[] = [],
  ) => publicClient.readContract({ address, abi, functionName, args } as never) as Promise<unknown>
  const { contracts } = devnet
  expect(await publicClient.getChainId()).toBe(devnet.chainId)
  expect(await read(contracts.jobMarketplace, jobMarketplaceAbi, 'feeBasisPoints')).toBe(250n)
  expect(await read(contracts.jobMarketplace, jobMarketplaceAbi, 'disputeWindow')).toBe(7n)
  expect(await read(contracts.jobMarketplace, jobMarketplaceAbi, 'treasury')).toBe(
    devnet.accounts.treasury.address,
  )
  expect(await read(contracts.jobMarketplace, jobMarketplaceAbi, 'MIN_PROVEN_TOKENS')).toBe(
    MIN_PROVEN_TOKENS,
  )
  expect(
    await read(contracts.jobMarketplace, jobMarketplaceAbi, 'acceptedTokens', [
      contracts.usdcToken,
    ]),
  ).toBe(true)
  for (const [address, abi] of [
    [contracts.hostEarnings, hostEarningsAbi],
    [contracts.proofSystem, proofSystemAbi],
  ] as const) {
    expect(await read(address, abi, 'authorizedCallers', [contracts.jobMarketplace])).toBe(true)
  }
})

test('funds hosts with FAB and users with FAB and USDC, and approves the models', async () => {
  const { publicClient } = createDevnetClients(devnet, devnet.accounts.deployer)
  const balance = (token: `0x${string}`, owner: `0x${string}`) =>
    publicClient.readContract({
      address: token,
      abi: testTokenAbi,
      functionName: 'balanceOf',
      args: [owner],
    })
  expect(devnet.accounts.hosts).toHaveLength(3)
  expect(devnet.accounts.users).toHaveLength(5)
  for (const host of devnet.accounts.hosts) {
    expect(await balance(devnet.contracts.fabToken, host.address)).toBe(10_000n * 10n ** 18n)
    expect(await balance(devnet.contracts.usdcToken, host.address)).toBe(0n)
  }
  for (const user of devnet.accounts.users) {
    expect(await balance(devnet.contracts.usdcToken, user.address)).toBe(10_000n * 10n ** 6n)
  }
  expect(devnet.models.map((model) => model.name)).toEqual(
    defaultDevnetModels.map((model) => `${model.repo}/${model.fileName}`),
  )
  for (const model of devnet.models) {
    expect(model.id).toBe(getModelId(model.name))
    expect(
      await publicClient.readContract({
        address: devnet.contracts.modelRegistry,
        abi: modelRegistryAbi,
        functionName: 'isModelApproved',
        args: [model.id],
      }),
    ).toBe(true)
  }
})

test('the wallet client of an account sends from it; the test client moves the clock', async () => {
  const [user] = devnet.accounts.users
  if (!user) throw new Error('no user')
  const { publicClient, walletClient, testClient } = createDevnetClients(devnet, user)
  expect(walletClient.account.address).toBe(user.address)
  const before = (await publicClient.getBlock()).timestamp
  await testClient.increaseTime({ seconds: 3600 })
  await testClient.mine({ blocks: 1 })
  expect((await publicClient.getBlock()).timestamp).toBeGreaterThanOrEqual(before + 3600n)
})

test('the command prints and writes the devnet as JSON and stops on SIGINT', async () => {
  // From this file, not the working directory: `pnpm test` runs every project from the root.
  const mainPath = fileURLToPath(new URL('./main.ts', import.meta.url))
  const out = join(mkdtempSync(join(tmpdir(), 'fabstir-devnet-')), 'devnet.json')
  const tsx = createRequire(import.meta.url).resolve('tsx')
  const child = spawn(
    process.execPath,
    ['--conditions=@fabstir/source', '--import', tsx, mainPath, '--port', '0', '--out', out],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  )
  const exited = once(child, 'exit')
  let printed = ''
  for await (const line of createInterface({ input: child.stdout })) {
    printed += `${line}\n`
    if (line === '}') break
  }
  const described = JSON.parse(printed)
  expect(JSON.parse(readFileSync(out, 'utf8'))).toEqual(described)
  expect(described).toMatchObject({
    rpcUrl: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/),
    chainId: 31337,
    contracts: { jobMarketplace: expect.stringMatching(/^0x[0-9a-fA-F]{40}$/) },
  })
  child.kill('SIGINT')
  const [code, signal] = await exited
  expect(code === 0 || signal === 'SIGINT').toBe(true)
  await expect(fetch(described.rpcUrl, { method: 'POST' })).rejects.toThrow()
})
