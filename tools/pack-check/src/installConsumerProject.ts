import { getConsumerDependencies } from './consumerDependencies.js'
import { createBlankProject, findBadEngines, npmInstall } from './npm.js'
import type { PackedPackage } from './packPackages.js'
import type { StepLog } from './runStep.js'

/**
 * Step 2: a blank npm project with every tarball installed, plus the tools a user's project has
 * (TypeScript, Node's types, esbuild) and viem, the packages' peer dependency. npm's warnings are
 * printed; an `EBADENGINE` warning fails the step (a dependency needs a newer Node than this one).
 * @returns the project's folder.
 * @throws when npm install fails: nothing after it can run.
 */
export async function installConsumerProject(
  directory: string,
  packed: readonly PackedPackage[],
  log: StepLog,
): Promise<string> {
  await createBlankProject(directory)
  const specs = [...packed.map((item) => item.tarball), ...getConsumerDependencies()]
  log.info(`npm install ${packed.length} tarballs + ${getConsumerDependencies().join(' ')}`)
  const result = await npmInstall(directory, specs)
  for (const warning of result.warnings) log.info(warning)
  if (!result.ok) throw new Error(`npm install failed\n${result.errors.join('\n')}`)
  for (const badEngine of findBadEngines(result.warnings)) {
    log.fail(`EBADENGINE (Node ${process.versions.node}): ${badEngine}`)
  }
  if (result.warnings.length === 0) log.info('npm printed no warnings')
  return directory
}
