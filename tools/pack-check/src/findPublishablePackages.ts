import { existsSync, readdirSync } from 'node:fs'
import { readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { type PackageManifest, readManifest } from './PackageManifest.js'

/** A package of the workspace's `packages/` folder. */
export type WorkspacePackage = {
  /** Absolute path of its folder. */
  directory: string
  manifest: PackageManifest
}

/** Every `packages/*` whose package.json is not `"private": true`, sorted by name. */
export async function findPublishablePackages(workspaceRoot: string): Promise<WorkspacePackage[]> {
  const packagesDirectory = join(workspaceRoot, 'packages')
  const found: WorkspacePackage[] = []
  for (const entry of await readdir(packagesDirectory, { withFileTypes: true })) {
    const directory = join(packagesDirectory, entry.name)
    if (!entry.isDirectory() || !existsSync(join(directory, 'package.json'))) continue
    const manifest = await readManifest(join(directory, 'package.json'))
    if (manifest.private !== true) found.push({ directory, manifest })
  }
  return found.sort((left, right) => left.manifest.name.localeCompare(right.manifest.name))
}

/** Whether the package has a non-empty `dist` folder (the check packs what was built). */
export function hasBuildOutput(workspacePackage: WorkspacePackage): boolean {
  const dist = join(workspacePackage.directory, 'dist')
  return existsSync(dist) && readdirSync(dist).length > 0
}
