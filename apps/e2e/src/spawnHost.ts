import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { createInterface } from 'node:readline'

/** A host node running as its own process. */
export type SpawnedHost = {
  /** The host's base URL, as it printed it. */
  url: string
  /** Kills the process at once (SIGKILL): no goodbye to its clients, as when a machine dies. */
  kill(): Promise<void>
  /** Stops the process gracefully (SIGTERM) if it still runs. */
  stop(): Promise<void>
  [Symbol.asyncDispose](): Promise<void>
}

/** Options of {@link spawnHost}. */
export type SpawnHostOptions = {
  /** The command that starts a host, e.g. `[process.execPath, 'apps/host/dist/main.js']`. */
  command: readonly string[]
  /** Arguments of the `fabstir-host` command (`--port 0` is added). */
  args: readonly string[]
  /** Gives up when the host has not printed its URL by then. @default 30_000 */
  timeoutMs?: number
  /** Extra environment variables (the operator key of a host on chain). */
  env?: Record<string, string>
}

/**
 * Starts a host node as a child process on a free loopback port and waits for the URL it prints.
 *
 * @throws {Error} when the process exits or prints nothing within `timeoutMs`.
 */
export async function spawnHost({
  command: [program, ...programArgs],
  args,
  timeoutMs = 30_000,
  env = {},
}: SpawnHostOptions): Promise<SpawnedHost> {
  if (program === undefined) throw new TypeError('command must name a program')
  const child = spawn(program, [...programArgs, ...args, '--port', '0', '--host', '127.0.0.1'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  })
  const stderr: string[] = []
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => stderr.push(chunk))
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream })
  try {
    const [url] = (await Promise.race([
      once(lines, 'line'),
      once(child, 'exit').then(([code]) => {
        throw new Error(`the host exited with ${code}: ${stderr.join('').trim()}`)
      }),
      new Promise((_, reject) =>
        setTimeout(() => reject(new Error('the host printed no URL in time')), timeoutMs).unref(),
      ),
    ])) as [string]
    lines.close()
    const stop = (signal: NodeJS.Signals) => terminate(child, signal)
    return {
      url,
      kill: () => stop('SIGKILL'),
      stop: () => stop('SIGTERM'),
      [Symbol.asyncDispose]: () => stop('SIGKILL'),
    }
  } catch (error) {
    await terminate(child, 'SIGKILL')
    throw error
  }
}

async function terminate(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = once(child, 'exit')
  child.kill(signal)
  await exited
}
