import { readFile } from 'node:fs/promises'

/** The parts of a package.json the check reads. */
export type PackageManifest = {
  name: string
  version: string
  private?: boolean
  main?: string
  module?: string
  types?: string
  exports?: unknown
  dependencies?: Record<string, string>
  peerDependencies?: Record<string, string>
  optionalDependencies?: Record<string, string>
}

export async function readManifest(path: string): Promise<PackageManifest> {
  return JSON.parse(await readFile(path, 'utf8')) as PackageManifest
}

/** The subpaths a user can import (`.`, `./node`, …), without `./package.json` and patterns. */
export function getSubpaths(manifest: PackageManifest): string[] {
  const { exports } = manifest
  if (exports === null || typeof exports !== 'object' || Array.isArray(exports)) return ['.']
  const keys = Object.keys(exports)
  if (!keys.every((key) => key.startsWith('.'))) return ['.'] // a conditions object for '.'
  return keys.filter((key) => key !== './package.json' && !key.includes('*'))
}

/** `@fabstir/auth` and `./node` → `@fabstir/auth/node`. */
export function getSpecifier(name: string, subpath: string): string {
  return subpath === '.' ? name : `${name}${subpath.slice(1)}`
}

/** Every file the manifest points at: `main`, `module`, `types` and the leaves of `exports`. */
export function getEntryFiles(manifest: PackageManifest): string[] {
  const files = new Set<string>()
  const visit = (value: unknown): void => {
    if (typeof value === 'string') {
      if (!value.includes('*')) files.add(value.replace(/^\.\//, ''))
    } else if (Array.isArray(value)) {
      for (const item of value) visit(item)
    } else if (value !== null && typeof value === 'object') {
      for (const item of Object.values(value)) visit(item)
    }
  }
  visit([manifest.main, manifest.module, manifest.types, manifest.exports])
  return [...files].sort()
}
