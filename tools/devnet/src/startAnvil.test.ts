import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { createServer as createHttpServer } from 'node:http'
import { createServer, type Server } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import {
  createPublicClient,
  createTestClient,
  createWalletClient,
  http,
  parseEther,
  publicActions,
  walletActions,
} from 'viem'
import { mnemonicToAccount, privateKeyToAccount } from 'viem/accounts'
import { foundry } from 'viem/chains'
import { describe, expect, it } from 'vitest'
import { defaultAccounts, defaultMnemonic } from './defaultAccounts.js'
import { DevnetError } from './errors.js'
import { startAnvil } from './startAnvil.js'

/** Listens on `port` of 127.0.0.1 (0: any), resolving with the server, or rejects. */
function listen(port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(port, '127.0.0.1', () => resolve(server))
  })
}

function close(server: Server): Promise<void> {
  return new Promise((resolve, reject) =>
    server.close((error) => (error ? reject(error) : resolve())),
  )
}

function isRejected(result: PromiseSettledResult<unknown>): result is PromiseRejectedResult {
  return result.status === 'rejected'
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

/** Whether this machine can listen on the IPv6 loopback `::1` (some containers cannot). */
function canListenOnIpv6Loopback(): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer()
    server.once('error', () => resolve(false))
    server.listen(0, '::1', () => server.close(() => resolve(true)))
  })
}

async function rpc(rpcUrl: string, method: string): Promise<unknown> {
  const response = await fetch(rpcUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params: [] }),
  })
  return ((await response.json()) as { result: unknown }).result
}

describe('startAnvil', () => {
  it('starts anvil on a free loopback port and answers JSON-RPC', async () => {
    await using anvil = await startAnvil()

    expect(anvil.port).toBeGreaterThan(0)
    expect(anvil.rpcUrl).toBe(`http://127.0.0.1:${anvil.port}`)
    expect(anvil.chainId).toBe(31337)
    expect(isRunning(anvil.pid)).toBe(true)
    const client = createPublicClient({ transport: http(anvil.rpcUrl) }).extend(walletActions)
    expect(await client.getChainId()).toBe(31337)
    // eth_accounts: the dev accounts anvil unlocked are the default ones, in order.
    expect(await client.getAddresses()).toEqual(defaultAccounts.map(({ address }) => address))
    expect(await client.getBalance({ address: defaultAccounts[9].address })).toBe(
      parseEther('10000'),
    )
    const nodeInfo = (await rpc(anvil.rpcUrl, 'anvil_nodeInfo')) as { hardFork: string }
    expect(nodeInfo.hardFork.toLowerCase()).toBe('cancun')
  })

  it('sends a transaction from the first default account', async () => {
    await using anvil = await startAnvil()
    const transport = http(anvil.rpcUrl)
    const client = createPublicClient({ chain: foundry, transport })
    const wallet = createWalletClient({
      account: privateKeyToAccount(defaultAccounts[0].privateKey),
      chain: foundry,
      transport,
    })

    const hash = await wallet.sendTransaction({
      to: defaultAccounts[1].address,
      value: parseEther('1.5'),
    })
    const receipt = await client.waitForTransactionReceipt({ hash })

    expect(receipt.status).toBe('success')
    expect(receipt.from).toBe(defaultAccounts[0].address.toLowerCase())
    expect(await client.getBalance({ address: defaultAccounts[1].address })).toBe(
      parseEther('10001.5'),
    )
  })

  it('honours chainId, accounts and balanceEther', async () => {
    await using anvil = await startAnvil({ chainId: 1337, accounts: 2, balanceEther: 5 })
    const client = createTestClient({ mode: 'anvil', transport: http(anvil.rpcUrl) })
      .extend(publicActions)
      .extend(walletActions)

    expect(anvil.chainId).toBe(1337)
    expect(await client.getChainId()).toBe(1337)
    expect(await client.getAddresses()).toEqual([
      defaultAccounts[0].address,
      defaultAccounts[1].address,
    ])
    expect(await client.getBalance({ address: defaultAccounts[1].address })).toBe(parseEther('5'))
    await client.setBalance({ address: defaultAccounts[5].address, value: parseEther('1') })
    expect(await client.getBalance({ address: defaultAccounts[5].address })).toBe(parseEther('1'))
  })

  it('mines blocks on an interval with blockTime', async () => {
    await using anvil = await startAnvil({ blockTime: 0.2 })
    const client = createPublicClient({ cacheTime: 0, transport: http(anvil.rpcUrl) })

    // Generous deadline: only that blocks appear without transactions matters, not when.
    const deadline = Date.now() + 20_000
    let blockNumber = await client.getBlockNumber()
    while (blockNumber < 2n && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100))
      blockNumber = await client.getBlockNumber()
    }
    expect(blockNumber).toBeGreaterThanOrEqual(2n)
  })

  it('runs two instances at once on different ports', async () => {
    const started = await Promise.allSettled([startAnvil(), startAnvil({ chainId: 7 })])
    const [first, second] = started.map((result) =>
      result.status === 'fulfilled' ? result.value : undefined,
    )
    await using _first = first
    await using _second = second
    if (first === undefined || second === undefined) throw started.find(isRejected)?.reason

    expect(first.port).not.toBe(second.port)
    expect(first.pid).not.toBe(second.pid)
    expect(await createPublicClient({ transport: http(first.rpcUrl) }).getChainId()).toBe(31337)
    expect(await createPublicClient({ transport: http(second.rpcUrl) }).getChainId()).toBe(7)
  })

  it('maps localhost to 127.0.0.1', async () => {
    await using local = await startAnvil({ host: 'localhost' })
    expect(local.rpcUrl).toBe(`http://127.0.0.1:${local.port}`)
    expect(await createPublicClient({ transport: http(local.rpcUrl) }).getChainId()).toBe(31337)
  })

  it('listens on the IPv6 loopback', async (context) => {
    context.skip(!(await canListenOnIpv6Loopback()), 'no IPv6 loopback (::1) on this machine')
    await using v6 = await startAnvil({ host: '::1' })
    expect(v6.rpcUrl).toBe(`http://[::1]:${v6.port}`)
    expect(await createPublicClient({ transport: http(v6.rpcUrl) }).getChainId()).toBe(31337)
  })

  it('stop() ends the process, frees the port and is idempotent', async () => {
    const anvil = await startAnvil()

    await Promise.all([anvil.stop(), anvil.stop()])
    await anvil.stop()
    await anvil[Symbol.asyncDispose]()

    expect(isRunning(anvil.pid)).toBe(false)
    const server = await listen(anvil.port)
    await close(server)
  })

  it('rejects a host that is not loopback, without starting anything', async () => {
    for (const host of ['0.0.0.0', '::', '192.168.1.10', '10.0.0.1', 'example.com', '[::1]']) {
      await expect(startAnvil({ host })).rejects.toThrow(RangeError)
    }
  })

  it('rejects options out of range', async () => {
    await expect(startAnvil({ port: -1 })).rejects.toThrow(RangeError)
    await expect(startAnvil({ port: 65_536 })).rejects.toThrow(RangeError)
    await expect(startAnvil({ chainId: 0 })).rejects.toThrow(RangeError)
    await expect(startAnvil({ accounts: 1.5 })).rejects.toThrow(RangeError)
    await expect(startAnvil({ balanceEther: -1 })).rejects.toThrow(RangeError)
    await expect(startAnvil({ blockTime: 0 })).rejects.toThrow(RangeError)
    await expect(startAnvil({ timeoutMs: Number.NaN })).rejects.toThrow(RangeError)
    await expect(startAnvil({ timeoutMs: 2 ** 31 })).rejects.toThrow(RangeError)
    await expect(startAnvil({ hardfork: '--fork-url' })).rejects.toThrow(TypeError)
  })

  it('rejects with the reason of an already aborted signal', async () => {
    const reason = new Error('not now')
    await expect(startAnvil({ signal: AbortSignal.abort(reason) })).rejects.toBe(reason)
  })

  it('kills anvil and rejects with the reason when aborted during the start', async () => {
    const exitListeners = process.listenerCount('exit')
    const sigtermListeners = process.listenerCount('SIGTERM')
    const controller = new AbortController()
    const reason = new Error('changed my mind')

    const started = startAnvil({ signal: controller.signal })
    controller.abort(reason)

    await expect(started).rejects.toBe(reason)
    // The exit hooks are removed once no anvil process is left running.
    expect(process.listenerCount('exit')).toBe(exitListeners)
    expect(process.listenerCount('SIGTERM')).toBe(sigtermListeners)
  })

  it('rejects with DEVNET_TIMEOUT when anvil is not ready in time, and kills it', async () => {
    const exitListeners = process.listenerCount('exit')

    const error = await startAnvil({ timeoutMs: 1 }).catch((error: unknown) => error)

    expect(DevnetError.isInstance(error)).toBe(true)
    expect((error as DevnetError).code).toBe('DEVNET_TIMEOUT')
    expect(process.listenerCount('exit')).toBe(exitListeners)
  })

  it('rejects with DEVNET_BINARY_NOT_FOUND for a missing binaryPath', async () => {
    const error = await startAnvil({ binaryPath: '/nonexistent/anvil' }).catch(
      (error: unknown) => error,
    )

    expect(error).toBeInstanceOf(DevnetError)
    expect((error as DevnetError).code).toBe('DEVNET_BINARY_NOT_FOUND')
    expect((error as DevnetError).message).toContain('/nonexistent/anvil')
  })

  it('rejects with DEVNET_START_FAILED and its output when the binary exits at once', async () => {
    // Node is no anvil: it refuses `--host` and exits.
    const error = await startAnvil({ binaryPath: process.execPath }).catch(
      (error: unknown) => error,
    )

    expect(DevnetError.isInstance(error)).toBe(true)
    expect((error as DevnetError).code).toBe('DEVNET_START_FAILED')
    expect((error as DevnetError).output.join('\n')).toContain('--host')
    expect((error as DevnetError).message).toContain('Last output of anvil:')
  })

  it.skipIf(process.platform === 'win32')(
    'redacts private keys and the mnemonic from the output in errors',
    async () => {
      const directory = await mkdtemp(join(tmpdir(), 'devnet-'))
      try {
        const binaryPath = join(directory, 'fake-anvil')
        const script = [
          '#!/bin/sh',
          `echo "(0) ${defaultAccounts[0].privateKey}"`,
          `echo "Mnemonic:          ${defaultMnemonic}"`,
          'echo "Error: something broke" >&2',
          'exit 3',
        ]
        await writeFile(binaryPath, `${script.join('\n')}\n`, { mode: 0o755 })

        const error = await startAnvil({ binaryPath }).catch((error: unknown) => error)

        expect(DevnetError.isInstance(error)).toBe(true)
        expect((error as DevnetError).code).toBe('DEVNET_START_FAILED')
        expect((error as DevnetError).shortMessage).toBe(
          'anvil exited with code 3 before it was ready',
        )
        const { message } = error as DevnetError
        expect(message).toContain('(0) 0x<redacted>')
        expect(message).toContain('Mnemonic: <redacted>')
        expect(message).toContain('Error: something broke')
        expect(message).not.toContain(defaultAccounts[0].privateKey.slice(2))
        expect(message).not.toContain('junk')
      } finally {
        await rm(directory, { recursive: true, force: true })
      }
    },
  )

  it.skipIf(process.platform === 'win32')(
    'rejects with DEVNET_START_FAILED when the node reports another chain id (stub binary)',
    async () => {
      // A stub at the process interface: prints anvil's listening line for a server that
      // answers eth_chainId with 1, then waits to be killed.
      const server = createHttpServer((_request, response) => {
        response.setHeader('content-type', 'application/json')
        response.end(JSON.stringify({ jsonrpc: '2.0', id: 1, result: '0x1' }))
      })
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
      const { port } = server.address() as { port: number }
      const directory = await mkdtemp(join(tmpdir(), 'devnet-'))
      try {
        const binaryPath = join(directory, 'fake-anvil')
        const script = ['#!/bin/sh', `echo "Listening on 127.0.0.1:${port}"`, 'exec sleep 60']
        await writeFile(binaryPath, `${script.join('\n')}\n`, { mode: 0o755 })

        const error = await startAnvil({ binaryPath }).catch((error: unknown) => error)

        expect(DevnetError.isInstance(error)).toBe(true)
        expect((error as DevnetError).code).toBe('DEVNET_START_FAILED')
        expect((error as DevnetError).shortMessage).toBe('anvil reports chain id 1, expected 31337')
      } finally {
        server.closeAllConnections()
        await new Promise((resolve) => server.close(resolve))
        await rm(directory, { recursive: true, force: true })
      }
    },
  )

  it('rejects with DEVNET_START_FAILED when the port is taken', async () => {
    const server = await listen(0)
    try {
      const { port } = server.address() as { port: number }
      const error = await startAnvil({ port }).catch((error: unknown) => error)

      expect(DevnetError.isInstance(error)).toBe(true)
      expect((error as DevnetError).code).toBe('DEVNET_START_FAILED')
      expect((error as DevnetError).message).toMatch(/address already in use/i)
    } finally {
      await close(server)
    }
  })

  it('rejects with DEVNET_START_FAILED for an unknown hardfork', async () => {
    const error = await startAnvil({ hardfork: 'nosuchfork' }).catch((error: unknown) => error)

    expect(DevnetError.isInstance(error)).toBe(true)
    expect((error as DevnetError).code).toBe('DEVNET_START_FAILED')
    expect((error as DevnetError).message).toMatch(/nosuchfork/)
  })
})

/**
 * Starts anvil in a separate Node process (running this source through tsx, a root dev
 * dependency), then ends that process with `how`; resolves with anvil's URL once Node is gone.
 */
async function startAnvilInChildNode(how: 'exit' | 'SIGTERM' | 'SIGINT'): Promise<string> {
  const script = [
    `const { startAnvil } = await import(${JSON.stringify(new URL('./startAnvil.ts', import.meta.url).href)})`,
    'const anvil = await startAnvil()',
    `process.stdout.write(anvil.rpcUrl + '\\n')`,
    how === 'exit' ? 'process.exit(0)' : 'setInterval(() => {}, 1000)',
  ].join('\n')
  const child = spawn(
    process.execPath,
    ['--conditions=@fabstir/source', '--import', 'tsx', '--input-type=module', '-e', script],
    {
      cwd: fileURLToPath(new URL('..', import.meta.url)),
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  )
  const exited = once(child, 'exit')
  try {
    let stdout = ''
    child.stdout.setEncoding('utf8')
    const rpcUrl = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (chunk: string) => {
        stdout += chunk
        if (stdout.includes('\n')) resolve(stdout.trim())
      })
      child.once('exit', (code) => reject(new Error(`child Node exited with ${code}: ${stdout}`)))
    })
    if (how !== 'exit') child.kill(how)
    const [code, signal] = await exited
    expect(how === 'exit' ? code : signal).toBe(how === 'exit' ? 0 : how)
    return rpcUrl
  } finally {
    // If the test failed midway: SIGTERM, so that the child's hook still kills its anvil.
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
  }
}

/** Whether something still answers at `rpcUrl`, polling until it stops for up to 10 s. */
async function answersAfterAWhile(rpcUrl: string): Promise<boolean> {
  const deadline = Date.now() + 10_000
  while (Date.now() < deadline) {
    try {
      await rpc(rpcUrl, 'eth_chainId')
    } catch {
      return false
    }
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  return true
}

describe('anvil never outlives Node', () => {
  it.each(['exit', 'SIGTERM', 'SIGINT'] as const)('is killed when Node ends by %s', async (how) => {
    const rpcUrl = await startAnvilInChildNode(how)

    expect(await answersAfterAWhile(rpcUrl)).toBe(false)
  })
})

describe('defaultAccounts', () => {
  it('are the first 10 accounts of the default mnemonic', () => {
    expect(defaultAccounts).toHaveLength(10)
    defaultAccounts.forEach(({ address, privateKey }, addressIndex) => {
      expect(privateKeyToAccount(privateKey).address).toBe(address)
      expect(mnemonicToAccount(defaultMnemonic, { addressIndex }).address).toBe(address)
    })
  })
})

describe('DevnetError', () => {
  it('composes its message and is recognised by isInstance', () => {
    const error = new DevnetError('DEVNET_START_FAILED', 'failed', {
      output: ['line one'],
      cause: new Error('inner'),
    })

    expect(error.message).toBe('failed\n\nLast output of anvil:\n  line one\n\nDetails: inner')
    expect(error.cause).toBeInstanceOf(Error)
    expect(DevnetError.isInstance(error)).toBe(true)
    expect(DevnetError.isInstance(new Error('failed'))).toBe(false)
  })
})
