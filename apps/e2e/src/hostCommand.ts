import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'

/**
 * The command that starts the workspace's reference host: its built `dist/main.js`, or with
 * `source: true` its TypeScript sources through tsx (for tests, which need no build).
 */
export function hostCommand({ source = false }: { source?: boolean } = {}): string[] {
  const root = dirname(createRequire(import.meta.url).resolve('@fabstir/host/package.json'))
  return source
    ? [
        process.execPath,
        '--conditions=@fabstir/source',
        '--import',
        'tsx',
        join(root, 'src/main.ts'),
      ]
    : [process.execPath, join(root, 'dist/main.js')]
}
