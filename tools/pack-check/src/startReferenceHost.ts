import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { tail } from './runCommand.js'

/** How the host authenticates clients. */
export type HostAuthentication =
  /** `--insecure-no-auth`: no tokens, no signatures. */
  | 'none'
  /** `--dev-accept-any-job`: issues session tokens for any job, signs its messages. */
  | 'any-job'

/** A reference host (`apps/host`) running from the workspace's build. */
export type ReferenceHost = {
  url: string
  authentication: HostAuthentication
  /** Stops it (SIGTERM, then SIGKILL after 5 s). */
  stop(): Promise<void>
}

/** Hosts still running, killed if this process exits before stopping them. */
const running = new Set<ChildProcess>()
let exitHookInstalled = false

function killRunningHosts(): void {
  for (const child of running) child.kill('SIGKILL')
}

function installExitHook(): void {
  if (exitHookInstalled) return
  exitHookInstalled = true
  process.on('exit', killRunningHosts)
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      killRunningHosts()
      process.exit(130)
    })
  }
}

/**
 * Starts `apps/host/dist/main.js` on a free loopback port with the embedded n-gram model, and
 * waits for the URL it prints on standard output.
 * @throws when the host is not built, exits, or prints no URL within 20 s.
 */
export async function startReferenceHost(
  workspaceRoot: string,
  authentication: HostAuthentication,
): Promise<ReferenceHost> {
  const main = join(workspaceRoot, 'apps', 'host', 'dist', 'main.js')
  if (!existsSync(main)) {
    throw new Error(
      `${main} is missing: build the host first (pnpm exec nx run @fabstir/host:build)`,
    )
  }
  installExitHook()
  const flag = authentication === 'none' ? '--insecure-no-auth' : '--dev-accept-any-job'
  const child = spawn(
    process.execPath,
    [main, '--port', '0', '--host', '127.0.0.1', '--model', 'fabstir/ngram-trigram.json', flag],
    { cwd: workspaceRoot, stdio: ['ignore', 'pipe', 'pipe'] },
  )
  running.add(child)
  let stderr = ''
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk
  })
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  exited.then(() => running.delete(child))
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return
    child.kill('SIGTERM')
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000)
    await exited
    clearTimeout(timer)
  }
  try {
    const url = await readUrl(child, exited)
    return { url, authentication, stop }
  } catch (error) {
    await stop()
    const output = tail(stderr, 10).join('\n')
    throw new Error(
      `the reference host (${flag}) did not start: ${(error as Error).message}\n${output}`,
    )
  }
}

function readUrl(child: ChildProcess, exited: Promise<void>): Promise<string> {
  return new Promise((resolve, reject) => {
    if (child.stdout === null) return reject(new Error('no standard output'))
    const lines = createInterface({ input: child.stdout })
    const timer = setTimeout(
      () => reject(new Error('no URL on standard output within 20 s')),
      20_000,
    )
    lines.once('line', (line) => {
      clearTimeout(timer)
      if (/^http:\/\/127\.0\.0\.1:\d+$/.test(line.trim())) resolve(line.trim())
      else reject(new Error(`unexpected first line: ${line}`))
    })
    exited.then(() => {
      clearTimeout(timer)
      reject(new Error(`exited with ${child.exitCode ?? child.signalCode}`))
    })
  })
}
