import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { BlockList, isIP } from 'node:net'
import { dirname, join } from 'node:path'
import { raceSignal } from '@fabstir/protocol'
import { DevnetError } from './errors.js'

/** Options of {@link startAnvil}. */
export type StartAnvilOptions = {
  /** TCP port; 0 lets anvil pick a free one (see the returned `port`). @default 0 */
  port?: number | undefined
  /**
   * Interface to listen on: a loopback address only (`127.0.0.0/8`, `::1` or `localhost`, which
   * means `127.0.0.1`). The dev accounts' keys are public, so the chain must not be reachable
   * from a network.
   * @default '127.0.0.1'
   */
  host?: string | undefined
  /** Chain id the node reports. @default 31337 */
  chainId?: number | undefined
  /** Mine a block every this many seconds (fractions allowed); without it, one per transaction. */
  blockTime?: number | undefined
  /** Number of funded dev accounts (see `defaultAccounts` for the first 10). @default 10 */
  accounts?: number | undefined
  /** Balance of every dev account, in whole ether. @default 10000 */
  balanceEther?: number | undefined
  /** EVM hardfork by name, e.g. `'cancun'`, `'prague'`. @default 'cancun' */
  hardfork?: string | undefined
  /** Aborts the start: the process is killed and the call rejects with `signal.reason`. */
  signal?: AbortSignal | undefined
  /** How long anvil may take to listen and answer `eth_chainId`, 1 to 2^31-1. @default 30_000 */
  timeoutMs?: number | undefined
  /**
   * The anvil executable to run.
   * @default the binary of the `@foundry-rs/anvil-<platform>-<arch>` package that
   *   `@foundry-rs/anvil` installs as an optional dependency
   */
  binaryPath?: string | undefined
}

/** What {@link startAnvil} returns: a running anvil node. */
export type StartAnvilReturnType = {
  /** JSON-RPC endpoint, e.g. `http://127.0.0.1:41234`. */
  rpcUrl: string
  /** The port anvil listens on. */
  port: number
  /** The chain id the node reports. */
  chainId: number
  /** Process id of the anvil process. */
  pid: number
  /**
   * Stops anvil: SIGTERM, then SIGKILL if it has not exited after 3 s. Resolves once the process
   * has exited (its port is free again). Safe to call more than once.
   */
  stop(): Promise<void>
  /** The same as `stop()`, for `await using`. */
  [Symbol.asyncDispose](): Promise<void>
}

/** Errors {@link startAnvil} rejects with (besides `signal.reason` when aborted). */
export type StartAnvilErrorType = DevnetError | RangeError | TypeError

/** How long `stop()` waits after SIGTERM before it sends SIGKILL. */
const killGraceMs = 3_000
/** Lines of anvil's output kept for error messages. */
const maxOutputLines = 20
/** Longest unfinished output line kept; the rest of a longer line is dropped. */
const maxLineLength = 4_096
/** Longest timeout `setTimeout` takes (about 24.8 days). */
const maxTimeoutMs = 2_147_483_647
/** Pause between `eth_chainId` probes while anvil is not answering yet. */
const probeIntervalMs = 50

/**
 * Starts a local anvil node (Foundry's EVM) on a loopback interface and waits until it answers
 * JSON-RPC. The anvil process never outlives Node: it is killed (SIGKILL) on the process's
 * `'exit'` and on SIGINT, SIGTERM and SIGHUP (which then take their usual course unless the
 * application listens for them too). Only SIGKILL of Node itself can orphan it.
 *
 * @param options - network, chain settings, timeout and binary.
 * @returns the running node; `await using` stops it.
 * @throws {RangeError} for a host that is not a loopback address, or an option out of range
 *   (port, chain id, block time, accounts, balance, timeout).
 * @throws {TypeError} for a hardfork name that is not a plain word.
 * @throws {DevnetError} `DEVNET_BINARY_NOT_FOUND` when no anvil executable is found,
 *   `DEVNET_START_FAILED` when anvil cannot start or exits early (e.g. the port is taken),
 *   `DEVNET_TIMEOUT` when it is not ready within `timeoutMs`. Rejects with `signal.reason` when
 *   aborted.
 * @example
 * ```ts
 * import { startAnvil } from '@fabstir/devnet'
 * import { createPublicClient, http } from 'viem'
 *
 * await using anvil = await startAnvil({ chainId: 1337 })
 * const client = createPublicClient({ transport: http(anvil.rpcUrl) })
 * console.log(await client.getChainId()) // 1337
 * ```
 */
export async function startAnvil({
  port = 0,
  host = '127.0.0.1',
  chainId = 31337,
  blockTime,
  accounts = 10,
  balanceEther = 10_000,
  hardfork = 'cancun',
  signal,
  timeoutMs = 30_000,
  binaryPath,
}: StartAnvilOptions = {}): Promise<StartAnvilReturnType> {
  const address = loopbackAddress(host)
  assertInteger('port', port, 0, 65_535)
  assertInteger('chainId', chainId, 1, Number.MAX_SAFE_INTEGER)
  assertInteger('accounts', accounts, 0, Number.MAX_SAFE_INTEGER)
  assertInteger('balanceEther', balanceEther, 0, Number.MAX_SAFE_INTEGER)
  if (blockTime !== undefined && !(Number.isFinite(blockTime) && blockTime > 0))
    throw new RangeError(`blockTime must be a positive number of seconds, got ${blockTime}`)
  if (!(timeoutMs > 0 && timeoutMs <= maxTimeoutMs))
    throw new RangeError(`timeoutMs must be from 1 to ${maxTimeoutMs}, got ${timeoutMs}`)
  if (!/^[A-Za-z][A-Za-z0-9]*$/.test(hardfork))
    throw new TypeError(`hardfork must be a hardfork name such as 'cancun', got '${hardfork}'`)
  signal?.throwIfAborted()

  const executable = binaryPath ?? resolveAnvilBinary()
  const args = [
    '--host',
    address,
    '--port',
    String(port),
    '--chain-id',
    String(chainId),
    '--accounts',
    String(accounts),
    '--balance',
    String(balanceEther),
    '--hardfork',
    hardfork,
    ...(blockTime === undefined ? [] : ['--block-time', String(blockTime)]),
  ]

  const output = new OutputTail()
  let resolveListening: (port: number) => void = () => {}
  const listening = new Promise<number>((resolve) => {
    resolveListening = resolve
  })
  output.onLine = (line) => {
    const listeningPort = parseListeningPort(line)
    if (listeningPort !== undefined) resolveListening(listeningPort)
  }

  const child = spawn(executable, args, { stdio: ['ignore', 'pipe', 'pipe'], windowsHide: true })
  const tracked = trackProcess(child)
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => output.push(chunk))
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => output.push(chunk))

  // Anything that ends the start (timeout, abort, early exit) aborts this controller.
  const start = new AbortController()
  const fail = (reason: unknown) => {
    if (!start.signal.aborted) start.abort(reason)
  }
  const timer = setTimeout(() => {
    fail(
      new DevnetError('DEVNET_TIMEOUT', `anvil was not ready within ${timeoutMs} ms`, {
        output: output.lines(),
      }),
    )
  }, timeoutMs)
  const onAbort = () => fail(signal?.reason)
  signal?.addEventListener('abort', onAbort, { once: true })
  const onSpawnError = (error: NodeJS.ErrnoException) => {
    fail(
      error.code === 'ENOENT'
        ? new DevnetError('DEVNET_BINARY_NOT_FOUND', `anvil executable not found: ${executable}`, {
            cause: error,
          })
        : new DevnetError('DEVNET_START_FAILED', `anvil could not be started: ${executable}`, {
            cause: error,
            output: output.lines(),
          }),
    )
  }
  // 'close' comes after the output streams are drained, so the error shows anvil's last words.
  const onClose = (code: number | null, exitSignal: NodeJS.Signals | null) => {
    const how = exitSignal === null ? `with code ${code}` : `by signal ${exitSignal}`
    fail(
      new DevnetError('DEVNET_START_FAILED', `anvil exited ${how} before it was ready`, {
        output: output.lines(),
      }),
    )
  }
  child.once('error', onSpawnError)
  child.once('close', onClose)

  try {
    const listeningPort = await raceSignal(listening, start.signal)
    const rpcUrl = `http://${isIP(address) === 6 ? `[${address}]` : address}:${listeningPort}`
    const reportedChainId = await waitForChainId(rpcUrl, start.signal)
    if (reportedChainId !== chainId)
      throw new DevnetError(
        'DEVNET_START_FAILED',
        `anvil reports chain id ${reportedChainId}, expected ${chainId}`,
        { output: output.lines() },
      )
    if (child.pid === undefined)
      throw new DevnetError('DEVNET_START_FAILED', 'anvil has no process id')
    return {
      rpcUrl,
      port: listeningPort,
      chainId,
      pid: child.pid,
      stop: tracked.stop,
      [Symbol.asyncDispose]: tracked.stop,
    }
  } catch (error) {
    const failure: unknown = start.signal.aborted ? start.signal.reason : error
    fail(failure) // so that the exit stop() causes does not replace the failure
    await tracked.stop()
    throw failure
  } finally {
    clearTimeout(timer)
    signal?.removeEventListener('abort', onAbort)
    child.off('error', onSpawnError)
    child.off('close', onClose)
    output.onLine = undefined
  }
}

/** Anvil processes still running, killed when the Node process exits. */
const liveProcesses = new Set<ChildProcess>()
/** Signals whose default action ends Node without an 'exit' event. */
const fatalSignals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const
let exitHooksInstalled = false

function killLiveProcesses(): void {
  for (const child of liveProcesses) {
    try {
      child.kill('SIGKILL')
    } catch {
      // Already gone.
    }
  }
}

function onFatalSignal(signal: NodeJS.Signals): void {
  killLiveProcesses()
  removeExitHooks()
  // This listener alone kept Node alive: re-raise so the signal's default action still happens.
  if (process.listenerCount(signal) === 0) process.kill(process.pid, signal)
}

/** Kills every anvil still running when Node exits (normally, by `process.exit` or a signal). */
function installExitHooks(): void {
  if (exitHooksInstalled) return
  exitHooksInstalled = true
  process.on('exit', killLiveProcesses)
  for (const signal of fatalSignals) process.on(signal, onFatalSignal)
}

function removeExitHooks(): void {
  exitHooksInstalled = false
  process.off('exit', killLiveProcesses)
  for (const signal of fatalSignals) process.off(signal, onFatalSignal)
}

/**
 * Watches a child process: keeps it in {@link liveProcesses} until it exits and gives it an
 * idempotent `stop()`.
 */
function trackProcess(child: ChildProcess): { stop(): Promise<void> } {
  installExitHooks()
  liveProcesses.add(child)
  let exited = false
  const exit = new Promise<void>((resolve) => {
    const onExit = () => {
      exited = true
      liveProcesses.delete(child)
      if (liveProcesses.size === 0) removeExitHooks()
      resolve()
    }
    child.once('exit', onExit)
    // A process that could not be spawned emits 'error' and never 'exit'. Later errors (a
    // failed kill) are left to `stop()`'s SIGKILL rather than crashing the Node process.
    child.on('error', () => {
      if (child.pid === undefined) onExit()
    })
  })
  let stopping: Promise<void> | undefined
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      if (exited) return
      child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), killGraceMs)
      await exit
      clearTimeout(timer)
    })()
    return stopping
  }
  return { stop }
}

/** Keeps the last lines of a process's output, redacted, and reports each complete line. */
class OutputTail {
  onLine: ((line: string) => void) | undefined
  #lines: string[] = []
  #partial = ''

  push(chunk: string): void {
    const parts = (this.#partial + chunk).split(/\r?\n/)
    this.#partial = (parts.pop() ?? '').slice(0, maxLineLength)
    for (const part of parts) this.#add(part)
  }

  lines(): string[] {
    return this.#partial === '' ? [...this.#lines] : [...this.#lines, redact(this.#partial)]
  }

  #add(raw: string): void {
    // biome-ignore lint/suspicious/noControlCharactersInRegex: strips ANSI colour codes
    const line = raw.replace(/\u001b\[[0-9;]*m/g, '').trimEnd()
    this.onLine?.(line)
    if (line === '') return
    this.#lines.push(redact(line.slice(0, maxLineLength)))
    if (this.#lines.length > maxOutputLines) this.#lines.shift()
  }
}

/** Hides private keys (and the mnemonic) anvil prints in its banner. */
function redact(line: string): string {
  if (/^\s*mnemonic:/i.test(line)) return 'Mnemonic: <redacted>'
  return line.replace(/0x[0-9a-fA-F]{64}\b/g, '0x<redacted>')
}

/** The port of anvil's `Listening on 127.0.0.1:8545` (or `[::1]:8545`) line. */
function parseListeningPort(line: string): number | undefined {
  const match = /^Listening on (?:\[[0-9a-fA-F:.]+\]|[^\s:]+):(\d+)$/.exec(line.trim())
  return match?.[1] === undefined ? undefined : Number(match[1])
}

/** Calls `eth_chainId` until anvil answers (it listens before its first line says so). */
async function waitForChainId(rpcUrl: string, signal: AbortSignal): Promise<number> {
  for (;;) {
    signal.throwIfAborted()
    let response: Response
    try {
      response = await fetch(rpcUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_chainId', params: [] }),
        signal,
      })
    } catch {
      // Aborted, or not accepting connections yet: try again shortly unless aborted.
      await raceSignal(delay(probeIntervalMs), signal)
      continue
    }
    const body: unknown = await response.json().catch(() => undefined)
    const result = (body as { result?: unknown } | undefined)?.result
    if (!response.ok || typeof result !== 'string' || !/^0x[0-9a-f]+$/i.test(result))
      throw new DevnetError(
        'DEVNET_START_FAILED',
        `anvil answered eth_chainId with HTTP ${response.status}: ${JSON.stringify(body)}`,
      )
    return Number.parseInt(result, 16)
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

/** npm packages of the anvil binary, by `process.platform` and `process.arch` (as the wrapper). */
const binaryPackages: Partial<Record<string, Partial<Record<string, string>>>> = {
  darwin: { arm64: 'darwin-arm64', x64: 'darwin-amd64' },
  linux: { arm64: 'linux-arm64', x64: 'linux-amd64' },
  win32: { x64: 'win32-amd64' },
}

/**
 * Finds the anvil executable in the platform package `@foundry-rs/anvil` installs, without
 * running the package's `bin.mjs` (which would put a Node process between us and anvil).
 */
function resolveAnvilBinary(): string {
  const { platform, arch } = process
  const target = binaryPackages[platform]?.[arch]
  if (target === undefined)
    throw new DevnetError(
      'DEVNET_BINARY_NOT_FOUND',
      `@foundry-rs/anvil has no binary for ${platform} ${arch}; pass binaryPath`,
    )
  const packageName = `@foundry-rs/anvil-${target}`
  let executable: string
  try {
    const wrapperManifest = createRequire(import.meta.url).resolve('@foundry-rs/anvil/package.json')
    const manifest = createRequire(wrapperManifest).resolve(`${packageName}/package.json`)
    executable = join(dirname(manifest), 'bin', platform === 'win32' ? 'anvil.exe' : 'anvil')
  } catch (error) {
    throw new DevnetError(
      'DEVNET_BINARY_NOT_FOUND',
      `${packageName} is not installed (an optional dependency of @foundry-rs/anvil)`,
      { cause: error },
    )
  }
  if (!existsSync(executable))
    throw new DevnetError('DEVNET_BINARY_NOT_FOUND', `anvil executable not found: ${executable}`)
  return executable
}

/** Loopback networks anvil may listen on. */
const loopback = new BlockList()
loopback.addSubnet('127.0.0.0', 8, 'ipv4')
loopback.addAddress('::1', 'ipv6')

/** The address to pass to anvil's `--host`, or a RangeError for anything but loopback. */
function loopbackAddress(host: string): string {
  if (host === 'localhost') return '127.0.0.1'
  const version = isIP(host)
  if (version !== 0 && loopback.check(host, version === 4 ? 'ipv4' : 'ipv6')) return host
  throw new RangeError(
    `host must be a loopback address (127.0.0.0/8, ::1 or localhost), got '${host}'`,
  )
}

function assertInteger(name: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max)
    throw new RangeError(`${name} must be an integer from ${min} to ${max}, got ${value}`)
}
