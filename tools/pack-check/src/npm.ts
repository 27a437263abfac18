import { mkdir } from 'node:fs/promises'
import { runCommand, tail } from './runCommand.js'

/**
 * This process's environment without what pnpm sets for scripts (`npm_config_*` such as
 * `verify_deps_before_run`, `npm_package_*`, …): npm would read them as its own configuration.
 * The registry, cache and user config stay, if CI sets them.
 */
export function npmEnvironment(): NodeJS.ProcessEnv {
  const kept = new Set(['npm_config_registry', 'npm_config_cache', 'npm_config_userconfig'])
  return Object.fromEntries(
    Object.entries(process.env).filter(
      ([key]) => kept.has(key.toLowerCase()) || !/^p?npm_/i.test(key),
    ),
  )
}

/** Creates `directory` as a blank npm project (`npm init -y`). */
export async function createBlankProject(directory: string): Promise<void> {
  await mkdir(directory, { recursive: true })
  const result = await runCommand('npm', ['init', '-y'], {
    cwd: directory,
    env: npmEnvironment(),
    timeoutMs: 30_000,
  })
  if (result.code !== 0) {
    throw new Error(`npm init -y failed in ${directory}\n${tail(result.stderr).join('\n')}`)
  }
}

/** Options of {@link npmInstall}. */
export type NpmInstallOptions = {
  /** Refuse packages whose `engines` exclude this Node (`--engine-strict`). @default false */
  engineStrict?: boolean
}

/** What {@link npmInstall} returns. */
export type NpmInstallReturnType = {
  ok: boolean
  /** npm's `npm warn …` lines, as printed. */
  warnings: string[]
  /** npm's `npm error …` lines, when it failed. */
  errors: string[]
}

/**
 * `npm install` of tarballs and `name@version` specs, as a user would run it. npm's cache is
 * reused (`--prefer-offline`: pinned versions need no fresh metadata); audit and funding
 * requests are off.
 */
export async function npmInstall(
  directory: string,
  specs: readonly string[],
  { engineStrict = false }: NpmInstallOptions = {},
): Promise<NpmInstallReturnType> {
  const flags = ['--no-audit', '--no-fund', '--prefer-offline']
  if (engineStrict) flags.push('--engine-strict')
  const result = await runCommand('npm', ['install', ...flags, ...specs], {
    cwd: directory,
    env: npmEnvironment(),
    timeoutMs: 300_000,
  })
  const lines = `${result.stderr}\n${result.stdout}`.split('\n')
  return {
    ok: result.code === 0,
    warnings: lines.filter((line) => line.startsWith('npm warn')),
    errors: result.timedOut
      ? ['npm install timed out after 300 s']
      : lines.filter((line) => line.startsWith('npm error')),
  }
}

/**
 * The packages npm warned about with `EBADENGINE`, as `name@version requires …`. npm prints each
 * as a block of `npm warn EBADENGINE` lines: `package: '…'`, then `required: { … }`.
 */
export function findBadEngines(warnings: readonly string[]): string[] {
  const found: string[] = []
  let current: string | undefined
  for (const line of warnings) {
    const packageMatch = /EBADENGINE\s+package: '([^']+)'/.exec(line)
    if (packageMatch) current = packageMatch[1]
    const requiredMatch = /EBADENGINE\s+required: (.+?),?$/.exec(line)
    if (requiredMatch && current !== undefined) {
      found.push(`${current} requires ${requiredMatch[1]}`)
      current = undefined
    }
  }
  return found
}
