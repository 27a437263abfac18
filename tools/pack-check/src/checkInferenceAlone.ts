import { existsSync } from 'node:fs'
import { copyFile, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { createBlankProject, npmInstall } from './npm.js'
import type { PackedPackage } from './packPackages.js'
import { runCommand, tail } from './runCommand.js'
import type { StepLog } from './runStep.js'
import type { ReferenceHost } from './startReferenceHost.js'

const packageName = '@fabstir/inference'

/**
 * Step 5: a second blank project with `@fabstir/inference` alone (its tarball and those of the
 * `@fabstir/*` packages it depends on, as npm would resolve them from a registry; npm installs
 * the peer dependency itself), installed with `--engine-strict`; then `fixtures/streamSession.mjs`
 * streams one answer from a reference host.
 */
export async function checkInferenceAlone(
  directory: string,
  fixturesDirectory: string,
  packed: readonly PackedPackage[],
  host: Promise<ReferenceHost>,
  log: StepLog,
): Promise<void> {
  const tarballs = collectTarballs(packageName, packed)
  await createBlankProject(directory)
  log.info(`npm install --engine-strict ${tarballs.map((item) => item.name).join(' ')}`)
  let result = await npmInstall(
    directory,
    tarballs.map((item) => item.tarball),
    { engineStrict: true },
  )
  if (!result.ok && result.errors.some((line) => line.includes('EBADENGINE'))) {
    log.fail(`--engine-strict refused the install:\n${result.errors.join('\n')}`)
    log.info('installing again without --engine-strict, to go on')
    result = await npmInstall(
      directory,
      tarballs.map((item) => item.tarball),
    )
  }
  for (const warning of result.warnings) log.info(warning)
  if (result.warnings.length === 0) log.info('npm printed no warnings')
  if (!result.ok) throw new Error(`npm install failed\n${result.errors.join('\n')}`)
  const viemManifest = join(directory, 'node_modules', 'viem', 'package.json')
  if (existsSync(viemManifest)) {
    const { version } = JSON.parse(await readFile(viemManifest, 'utf8')) as { version: string }
    log.info(`npm resolved the peer dependency viem@${version}`)
  }

  await copyFile(join(fixturesDirectory, 'streamSession.mjs'), join(directory, 'streamSession.mjs'))
  const { url } = await host
  const run = await runCommand(process.execPath, ['streamSession.mjs', url], {
    cwd: directory,
    timeoutMs: 30_000,
  })
  if (run.code !== 0) {
    const reason = run.timedOut ? 'timed out after 30 s' : `exited with ${run.code}`
    throw new Error(`the streaming session ${reason}\n${tail(run.stderr + run.stdout).join('\n')}`)
  }
  const { text, usage } = JSON.parse(tail(run.stdout, 1)[0] ?? '{}') as {
    text: string
    usage: unknown
  }
  log.info(`streamed ${text.length} characters from ${url}; usage ${JSON.stringify(usage)}`)
}

/** The package's tarball and those of its `@fabstir/*` dependencies, transitively. */
function collectTarballs(name: string, packed: readonly PackedPackage[]): PackedPackage[] {
  const found = new Map<string, PackedPackage>()
  const visit = (current: string): void => {
    if (found.has(current)) return
    const item = packed.find((candidate) => candidate.name === current)
    if (item === undefined) throw new Error(`${current} was not packed`)
    found.set(current, item)
    for (const dependency of Object.keys(item.manifest.dependencies ?? {})) {
      if (dependency.startsWith('@fabstir/')) visit(dependency)
    }
  }
  visit(name)
  return [...found.values()]
}
