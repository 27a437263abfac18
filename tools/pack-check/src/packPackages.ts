import { stat } from 'node:fs/promises'
import { basename, join, relative } from 'node:path'
import { hasBuildOutput, type WorkspacePackage } from './findPublishablePackages.js'
import { mapWithConcurrency } from './mapWithConcurrency.js'
import { getEntryFiles, type PackageManifest } from './PackageManifest.js'
import { runCommand, tail } from './runCommand.js'
import type { StepLog } from './runStep.js'

/** A package as `pnpm pack` wrote it. */
export type PackedPackage = {
  name: string
  /** Absolute path of the `.tgz`. */
  tarball: string
  /** The package.json inside the tarball: `workspace:` ranges rewritten, `publishConfig` applied. */
  manifest: PackageManifest
  /** The paths in the tarball, relative to the package root. */
  files: string[]
}

type PnpmPackJson = { filename: string; files: { path: string }[] }

/**
 * Packs each package with `pnpm pack` into `destination`, and checks that every file its
 * manifest points at is in the tarball and no `workspace:` range is left.
 *
 * Lifecycle scripts are off: the check runs after the build, and a `prepack` that builds through
 * Nx would restore (rewrite) other packages' `dist` folders while they are being packed, and costs
 * seconds per package.
 */
export async function packPackages(
  workspaceRoot: string,
  packages: readonly WorkspacePackage[],
  destination: string,
  log: StepLog,
): Promise<PackedPackage[]> {
  const built = packages.filter((workspacePackage) => {
    if (hasBuildOutput(workspacePackage)) return true
    const dist = relative(workspaceRoot, join(workspacePackage.directory, 'dist'))
    log.fail(
      `${workspacePackage.manifest.name}: ${dist} is missing or empty; build first (pnpm exec nx run-many -t build)`,
    )
    return false
  })
  const packed = await mapWithConcurrency(built, 3, (workspacePackage) =>
    packOne(workspacePackage, destination, log),
  )
  return packed.filter((item) => item !== undefined)
}

async function packOne(
  { directory, manifest }: WorkspacePackage,
  destination: string,
  log: StepLog,
): Promise<PackedPackage | undefined> {
  const result = await runCommand(
    'pnpm',
    ['pack', '--config.ignore-scripts=true', '--pack-destination', destination, '--json'],
    { cwd: directory },
  )
  if (result.code !== 0) {
    log.fail(
      `${manifest.name}: pnpm pack failed\n${tail(result.stderr + result.stdout).join('\n')}`,
    )
    return undefined
  }
  const { filename, files } = JSON.parse(result.stdout) as PnpmPackJson
  const tarball = join(destination, basename(filename))
  const extracted = await runCommand('tar', ['-xzOf', tarball, 'package/package.json'], {
    cwd: destination,
  })
  if (extracted.code !== 0) {
    log.fail(`${manifest.name}: cannot read package.json from ${tarball}: ${extracted.stderr}`)
    return undefined
  }
  const packedManifest = JSON.parse(extracted.stdout) as PackageManifest
  const paths = files.map((file) => file.path)
  const present = new Set(paths)
  for (const file of getEntryFiles(packedManifest)) {
    if (!present.has(file)) log.fail(`${manifest.name}: package.json points at ${file}, not packed`)
  }
  const ranges = { ...packedManifest.dependencies, ...packedManifest.peerDependencies }
  for (const [dependency, range] of Object.entries(ranges)) {
    if (range.startsWith('workspace:')) {
      log.fail(`${manifest.name}: ${dependency} is still ${range} in the packed package.json`)
    }
  }
  const { size } = await stat(tarball)
  log.info(
    `${manifest.name}@${packedManifest.version} → ${basename(tarball)} (${(size / 1024).toFixed(0)} kB, ${paths.length} files)`,
  )
  return { name: manifest.name, tarball, manifest: packedManifest, files: paths }
}
