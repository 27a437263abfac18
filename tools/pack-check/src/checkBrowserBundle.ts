import { builtinModules, createRequire } from 'node:module'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import type * as Esbuild from 'esbuild'
import type { PackedPackage } from './packPackages.js'
import type { StepLog } from './runStep.js'

/** The packages a browser client loads (DESIGN.md: the browser-reachable path). */
const browserPath = ['@fabstir/protocol', '@fabstir/auth', '@fabstir/inference']

const nodeBuiltins = new Set(builtinModules.map((name) => name.replace(/^node:/, '')))

/** Whether an import path or an input names a Node built-in (`node:fs`, `crypto`, `(disabled):fs`). */
function isNodeBuiltin(path: string): boolean {
  if (path.startsWith('node:')) return true
  return nodeBuiltins.has(path.replace(/^\(disabled\):/, ''))
}

/**
 * Step 6: the browser path bundled from the installed tarballs with the consumer project's esbuild
 * (`platform: 'browser'`, every export kept). Fails when the bundle fails or a Node built-in is
 * among its inputs or their imports; prints the size minified and gzipped.
 */
export async function checkBrowserBundle(
  projectDirectory: string,
  packed: readonly PackedPackage[],
  log: StepLog,
): Promise<void> {
  const missing = browserPath.filter((name) => !packed.some((item) => item.name === name))
  if (missing.length > 0) throw new Error(`not packed: ${missing.join(', ')}`)
  const esbuild = createRequire(join(projectDirectory, 'package.json'))('esbuild') as typeof Esbuild
  const contents = browserPath.map((name, index) => `export * as entry${index} from '${name}'`)
  let result: Esbuild.BuildResult<{ metafile: true; write: false }>
  try {
    result = await esbuild.build({
      stdin: {
        contents: contents.join('\n'),
        resolveDir: projectDirectory,
        sourcefile: 'browser-path.js',
      },
      absWorkingDir: projectDirectory,
      bundle: true,
      platform: 'browser',
      format: 'esm',
      minify: true,
      metafile: true,
      write: false,
      logLevel: 'silent',
    })
  } catch (error) {
    const { errors = [] } = error as Partial<Esbuild.BuildFailure>
    const messages = errors.map(
      (message) =>
        `${message.location?.file ?? ''}:${message.location?.line ?? ''} ${message.text}${message.notes.map((note) => `\n      ${note.text}`).join('')}`,
    )
    throw new Error(`esbuild failed:\n${messages.join('\n') || String(error)}`)
  }
  for (const [input, { imports }] of Object.entries(result.metafile.inputs)) {
    if (isNodeBuiltin(input)) log.fail(`Node built-in among the inputs: ${input}`)
    for (const imported of imports) {
      const path = imported.original ?? imported.path
      if (isNodeBuiltin(path) || isNodeBuiltin(imported.path)) {
        log.fail(`${input} imports the Node built-in ${path}`)
      }
    }
  }
  const code = result.outputFiles[0]?.contents ?? new Uint8Array()
  const gzipped = gzipSync(code, { level: 9 }).length
  log.info(
    `${browserPath.join(' + ')}: ${Object.keys(result.metafile.inputs).length} inputs, ${kilobytes(code.length)} minified, ${kilobytes(gzipped)} min+gzip (DESIGN.md budget: 40 kB)`,
  )
  const output = Object.values(result.metafile.outputs)[0]
  const largest = Object.entries(output?.inputs ?? {})
    .sort(([, left], [, right]) => right.bytesInOutput - left.bytesInOutput)
    .slice(0, 6)
    .map(
      ([input, { bytesInOutput }]) =>
        `${input.replace(/^node_modules\//, '')} ${kilobytes(bytesInOutput)}`,
    )
  log.info(`largest inputs (minified): ${largest.join(', ')}`)
}

function kilobytes(bytes: number): string {
  return `${(bytes / 1000).toFixed(1)} kB`
}
