import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)

function installedVersion(name: string): string {
  return (require(`${name}/package.json`) as { version: string }).version
}

/**
 * What the blank consumer project installs besides the tarballs, each at an exact version:
 * TypeScript as the workspace catalog pins it and esbuild as this tool's own dependency (both read
 * from what pnpm installed here), Node 20.19's types (the oldest Node the packages support) and
 * the viem the packages are tested with (their peer dependency).
 */
export function getConsumerDependencies(): string[] {
  return [
    `typescript@${installedVersion('typescript')}`,
    `esbuild@${installedVersion('esbuild')}`,
    '@types/node@20.19.43',
    'viem@2.57.20',
  ]
}
