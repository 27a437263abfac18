import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startAnvil } from '@fabstir/devnet'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { connectChainFromArgs, hostPrivateKeyVariable } from './connectChainFromArgs.js'

const key = `0x${'12'.repeat(32)}`
const folder = mkdtempSync(join(tmpdir(), 'fabstir-host-cli-'))
const address = (digit: string) => `0x${digit.repeat(40)}`
const contracts = {
  jobMarketplace: address('1'),
  nodeRegistry: address('2'),
  modelRegistry: address('3'),
  proofSystem: address('4'),
  hostEarnings: address('5'),
  fabToken: address('6'),
  usdcToken: address('7'),
}
function file(name: string, text: string): string {
  const path = join(folder, name)
  writeFileSync(path, text)
  return path
}

let anvil: Awaited<ReturnType<typeof startAnvil>>
beforeAll(async () => {
  anvil = await startAnvil({ chainId: 84532 })
})
afterAll(async () => {
  await anvil?.stop()
})

test('the key comes from the environment and must be a private key', async () => {
  for (const environment of [{}, { [hostPrivateKeyVariable]: '0x1234' }]) {
    await expect(connectChainFromArgs(anvil.rpcUrl, undefined, environment)).rejects.toThrow(
      hostPrivateKeyVariable,
    )
  }
})

test('addresses from a devnet description or a flat map; the known deployment otherwise', async () => {
  const environment = { [hostPrivateKeyVariable]: key }
  const devnet = file('devnet.json', JSON.stringify({ rpcUrl: 'x', contracts }))
  const flat = file('flat.json', JSON.stringify(contracts))
  for (const path of [devnet, flat]) {
    const chain = await connectChainFromArgs(anvil.rpcUrl, path, environment)
    expect(chain.addresses).toEqual(contracts)
    expect(chain.publicClient.chain.id).toBe(84532)
    expect(chain.walletClient.account.address).toMatch(/^0x[0-9a-fA-F]{40}$/)
  }
  // Chain 84532 is Base Sepolia's id: its preset applies without a file.
  const preset = await connectChainFromArgs(anvil.rpcUrl, undefined, environment)
  expect(preset.addresses.jobMarketplace).toBe('0xD067719Ee4c514B5735d1aC0FfB46FECf2A9adA4')
})

test('a malformed or incomplete file is refused with its name and the field', async () => {
  const environment = { [hostPrivateKeyVariable]: key }
  const cases: [string, string][] = [
    ['not json', 'bad.json'],
    [JSON.stringify({ ...contracts, usdcToken: 'nope' }), 'usdcToken'],
    [JSON.stringify({ contracts: { jobMarketplace: address('1') } }), 'nodeRegistry'],
    ['null', 'jobMarketplace'],
  ]
  for (const [index, [text, message]] of cases.entries()) {
    const path = file(index === 0 ? 'bad.json' : `case${index}.json`, text)
    await expect(connectChainFromArgs(anvil.rpcUrl, path, environment)).rejects.toThrow(message)
  }
  await expect(
    connectChainFromArgs(anvil.rpcUrl, join(folder, 'missing.json'), environment),
  ).rejects.toThrow('missing.json')
})

test('a chain without a known deployment needs a file', async () => {
  await using local = await startAnvil()
  await expect(
    connectChainFromArgs(local.rpcUrl, undefined, { [hostPrivateKeyVariable]: key }),
  ).rejects.toThrow('--contracts')
})
