import { existsSync } from 'node:fs'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { getSpecifier, getSubpaths } from './PackageManifest.js'
import type { PackedPackage } from './packPackages.js'
import type { StepLog } from './runStep.js'
import { formatDiagnostic, getPackageOfFile, runTsc, type TscDiagnostic } from './runTsc.js'

/** An entry point with its consumer file (`consumers/auth-node.ts` for `@fabstir/auth/node`). */
type Entry = { packageName: string; specifier: string; consumer: string; serverOnly: boolean }

/** Subpaths for servers only (Node APIs, host code): no browser project imports them. */
const serverSubpaths = new Set(['./node', './host'])

const columns = ['node16 ESM', 'node16 CJS', 'bundler', 'browser'] as const
type Column = (typeof columns)[number]

const strictOptions = { strict: true, skipLibCheck: false, noEmit: true, target: 'es2022' }

/** The three programs: what a user's Node project and browser project would compile. */
const programs = [
  {
    name: 'node16',
    compilerOptions: {
      module: 'node16',
      moduleResolution: 'node16',
      lib: ['es2022'],
      types: ['node'],
    },
    extensions: ['.mts', '.cts'],
    browser: false,
  },
  {
    name: 'bundler',
    compilerOptions: {
      module: 'esnext',
      moduleResolution: 'bundler',
      lib: ['es2022'],
      types: ['node'],
    },
    extensions: ['.ts'],
    browser: false,
  },
  {
    name: 'browser',
    compilerOptions: {
      module: 'esnext',
      moduleResolution: 'bundler',
      // ESNext.Disposable: the inference README asks for it (or Node's types) for
      // `[Symbol.asyncDispose]`; without it the declarations of inference and sdk fail (TS2550).
      lib: ['es2022', 'dom', 'dom.iterable', 'esnext.disposable'],
      types: [],
    },
    extensions: ['.ts'],
    browser: true,
  },
] as const

/**
 * Step 4: a small consumer file per entry point (`consumers/*.ts`), using its main exports, compiled
 * strictly without `skipLibCheck` against the installed tarballs: under `node16` as ESM (`.mts`)
 * and CommonJS (`.cts`) and under `bundler`, in a Node project (`lib: es2022`, Node's types, no
 * DOM); then the entry points a browser loads under `bundler` with the DOM lib (and
 * ESNext.Disposable) and no Node types.
 * Third-party declarations are not checked (see `fixtures/typecheck.cjs`).
 */
export async function checkTypes(
  projectDirectory: string,
  consumersDirectory: string,
  packed: readonly PackedPackage[],
  log: StepLog,
): Promise<void> {
  const entries: Entry[] = packed.flatMap((item) =>
    getSubpaths(item.manifest).map((subpath) => {
      const specifier = getSpecifier(item.name, subpath)
      const consumer = specifier.replace(/^@fabstir\//, '').replaceAll('/', '-')
      return {
        packageName: item.name,
        specifier,
        consumer,
        serverOnly: serverSubpaths.has(subpath),
      }
    }),
  )
  const sources = new Map<string, string>()
  for (const entry of entries) {
    const path = join(consumersDirectory, `${entry.consumer}.ts`)
    if (existsSync(path)) sources.set(entry.consumer, await readFile(path, 'utf8'))
    else {
      log.info(
        `no consumers/${entry.consumer}.ts: only ${entry.specifier}'s declarations are checked`,
      )
      sources.set(
        entry.consumer,
        `import * as entry from '${entry.specifier}'\nexport const loaded: object = entry\n`,
      )
    }
  }
  const results = await Promise.all(
    programs.map(async (program) => {
      const directory = join('types', program.name)
      await mkdir(join(projectDirectory, directory), { recursive: true })
      const files: string[] = []
      for (const entry of entries) {
        if (program.browser && entry.serverOnly) continue
        for (const extension of program.extensions) {
          const file = `${directory}/${entry.consumer}${extension}`
          await writeFile(join(projectDirectory, file), sources.get(entry.consumer) ?? '')
          files.push(file)
        }
      }
      const tsconfig = { compilerOptions: { ...strictOptions, ...program.compilerOptions }, files }
      return { program, diagnostics: await runTsc(projectDirectory, program.name, tsconfig) }
    }),
  )

  // Errors by package and column; consumer files tell their entry by name and extension,
  // declaration files their package by path and extension (.d.cts is what require() gets).
  const errors = new Map<string, TscDiagnostic[]>()
  const packageByConsumer = new Map(entries.map((entry) => [entry.consumer, entry.packageName]))
  for (const { program, diagnostics } of results) {
    for (const diagnostic of diagnostics) {
      const file = diagnostic.file ?? ''
      const consumer = /^types\/[^/]+\/(.+)\.[cm]?ts$/.exec(file)?.[1]
      const packageName =
        (consumer === undefined ? getPackageOfFile(file) : packageByConsumer.get(consumer)) ??
        '(configuration)'
      const column: Column =
        program.name !== 'node16'
          ? program.name
          : /\.(d\.)?cts$/.test(file)
            ? 'node16 CJS'
            : 'node16 ESM'
      const key = `${packageName}\t${column}`
      errors.set(key, [...(errors.get(key) ?? []), diagnostic])
    }
  }

  const width = Math.max(...packed.map((item) => item.name.length), 14)
  log.info(`${''.padEnd(width)}  ${columns.map((column) => column.padEnd(11)).join('')}`)
  for (const item of packed) {
    const cells = columns.map((column) => {
      const count = errors.get(`${item.name}\t${column}`)?.length ?? 0
      return (count === 0 ? '✓' : `✗ ${count}`).padEnd(11)
    })
    log.info(`${item.name.padEnd(width)}  ${cells.join('')}`)
  }
  for (const [key, diagnostics] of errors) {
    const [packageName, column] = key.split('\t')
    const first = diagnostics[0]
    const summary = `${first?.code}: ${first?.message.split('\n')[0]}`
    const details = diagnostics.map((diagnostic) => `      ${formatDiagnostic(diagnostic)}`)
    log.fail(`${packageName} under ${column}: ${summary}\n${details.join('\n')}`)
  }
}
