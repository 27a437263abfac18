import { spawn } from 'node:child_process'

/** Options of {@link runCommand}. */
export type RunCommandOptions = {
  cwd: string
  /**
   * Kills the command (SIGKILL) after this long.
   * @default 120_000
   */
  timeoutMs?: number
  /** @default the environment of this process */
  env?: NodeJS.ProcessEnv
}

/** What {@link runCommand} returns. */
export type RunCommandReturnType = {
  /** The exit code; `null` when a signal ended the command. */
  code: number | null
  stdout: string
  stderr: string
  timedOut: boolean
}

/**
 * Runs a command to its end and captures its output. A non-zero exit is a result, not an error:
 * the caller decides what it means.
 * @throws when the command cannot be started (not found, no permission).
 */
export function runCommand(
  command: string,
  args: readonly string[],
  { cwd, timeoutMs = 120_000, env = process.env }: RunCommandOptions,
): Promise<RunCommandReturnType> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    let timedOut = false
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk
    })
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk
    })
    const timer = setTimeout(() => {
      timedOut = true
      child.kill('SIGKILL')
    }, timeoutMs)
    child.on('error', (error) => {
      clearTimeout(timer)
      reject(new Error(`cannot run ${command}: ${error.message}`, { cause: error }))
    })
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({ code, stdout, stderr, timedOut })
    })
  })
}

/** The last `count` non-empty lines of a command's output, for failure messages. */
export function tail(text: string, count = 15): string[] {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .slice(-count)
}
