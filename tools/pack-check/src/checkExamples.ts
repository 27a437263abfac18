import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import type { Example } from './extractExamples.js'
import { runCommand, tail } from './runCommand.js'
import { formatDuration, type StepLog } from './runStep.js'
import { formatDiagnostic, runTsc, type TscDiagnostic } from './runTsc.js'
import type { HostAuthentication, ReferenceHost } from './startReferenceHost.js'

/** The host URL examples are written with; a `run` example gets the started host's URL instead. */
const placeholderHostUrl = 'http://127.0.0.1:8080'

// Runs an emitted example, then exits: an example may be a fragment of a longer program that
// leaves its session open.
const runnerSource = 'await import(process.argv[1]); process.exit(0)'

/**
 * Step 7: every README ```ts block, written as a user would (an `.mts` file in the consumer
 * project), compiled with the project's TypeScript (strict, no skipLibCheck, node16, target
 * ES2022, which downlevels `await using`: neither Node 20 nor 22 runs it as JavaScript); then the
 * `run` blocks' emitted `.mjs` run against a reference host. See the README for the convention.
 */
export async function checkExamples(
  projectDirectory: string,
  examples: readonly Example[],
  hosts: Readonly<Record<HostAuthentication, Promise<ReferenceHost> | undefined>>,
  log: StepLog,
): Promise<void> {
  const compiled = examples.filter((example) => example.mode !== 'skip')
  // A host that did not start fails the examples that need it; the others still compile.
  const urls = new Map<HostAuthentication, string | Error>()
  for (const authentication of ['none', 'any-job'] as const) {
    const needed = compiled.some((example) => hostFor(example) === authentication)
    const host = hosts[authentication]
    if (needed && host) {
      urls.set(authentication, await host.then(({ url }) => url).catch((error: Error) => error))
    }
  }
  await mkdir(join(projectDirectory, 'examples'), { recursive: true })
  for (const example of compiled) {
    const url = urls.get(hostFor(example) ?? 'none')
    const source = [...example.prelude, ...example.code].join('\n')
    const rewritten = typeof url === 'string' ? source.replaceAll(placeholderHostUrl, url) : source
    await writeFile(join(projectDirectory, 'examples', `${example.name}.mts`), `${rewritten}\n`)
  }
  // Two programs at once: the examples to run compile and run while the type-only ones (which
  // pull in viem's chain types and take longest) are still being checked.
  const runnable = compiled.filter((example) => hostFor(example) !== undefined)
  const typeOnly = compiled.filter((example) => hostFor(example) === undefined)
  const [typeOnlyDiagnostics, { diagnostics: runnableDiagnostics, runs }] = await Promise.all([
    compile(projectDirectory, 'examples-typecheck', typeOnly, { noEmit: true }),
    compileAndRun(projectDirectory, runnable, urls),
  ])

  const failedNames = new Set<string>()
  for (const diagnostic of [...typeOnlyDiagnostics, ...runnableDiagnostics]) {
    const name = /^examples\/(.+)\.mts$/.exec(diagnostic.file ?? '')?.[1]
    const example = compiled.find((candidate) => candidate.name === name)
    if (example === undefined) {
      log.fail(formatDiagnostic(diagnostic))
      continue
    }
    failedNames.add(example.name)
    const where = readmeLocation(example, diagnostic.line)
    log.fail(`${where}: error ${diagnostic.code}: ${diagnostic.message}`)
  }

  for (const example of examples) {
    const where = readmeLocation(example, example.prelude.length + 1)
    if (example.mode === 'skip') {
      log.info(`– ${where} skipped: ${example.reason}`)
      continue
    }
    const typeChecked = failedNames.has(example.name) ? '✗ type-checked' : '✓ type-checked'
    const run = runs.get(example.name)
    const host = hostFor(example) === 'none' ? '--insecure-no-auth' : '--dev-accept-any-job'
    if (run === undefined) log.info(`${typeChecked} ${where}`)
    else if (run.ok) {
      log.info(
        `${typeChecked}, ✓ ran against a host with ${host} (${run.duration}) ${where}: ${run.output}`,
      )
    } else log.fail(`${where}, against a host with ${host}: ${run.output}`)
  }
}

const compilerOptions = {
  strict: true,
  skipLibCheck: false,
  module: 'node16',
  moduleResolution: 'node16',
  target: 'es2022',
  lib: ['es2022'],
  types: ['node'],
  rootDir: 'examples',
}

function compile(
  projectDirectory: string,
  name: string,
  examples: readonly Example[],
  options: { noEmit: true } | { outDir: string },
): Promise<TscDiagnostic[]> {
  if (examples.length === 0) return Promise.resolve([])
  // Only the examples are checked: the packages' declarations are the types step's job.
  return runTsc(
    projectDirectory,
    name,
    {
      compilerOptions: { ...compilerOptions, ...options },
      files: examples.map((example) => `examples/${example.name}.mts`),
    },
    { onlyFolder: 'examples' },
  )
}

type RunOutcome = { ok: boolean; duration: string; output: string }

/** Compiles the examples to `examples-out/*.mjs`, then runs each in turn. */
async function compileAndRun(
  projectDirectory: string,
  examples: readonly Example[],
  urls: ReadonlyMap<HostAuthentication, string | Error>,
): Promise<{ diagnostics: TscDiagnostic[]; runs: Map<string, RunOutcome> }> {
  const diagnostics = await compile(projectDirectory, 'examples-run', examples, {
    outDir: 'examples-out',
  })
  const runs = new Map<string, RunOutcome>()
  for (const example of examples) {
    const url = urls.get(hostFor(example) ?? 'none')
    if (url instanceof Error) {
      runs.set(example.name, { ok: false, duration: '', output: `not run: ${url.message}` })
      continue
    }
    const started = performance.now()
    const file = join(projectDirectory, 'examples-out', `${example.name}.mjs`)
    const run = await runCommand(
      process.execPath,
      ['--input-type=module', '-e', runnerSource, pathToFileURL(file).href],
      { cwd: projectDirectory, timeoutMs: 30_000 },
    )
    const duration = formatDuration(performance.now() - started)
    if (run.code === 0) {
      const output = tail(run.stdout, 3).join(' ').slice(0, 160)
      runs.set(example.name, { ok: true, duration, output })
    } else {
      const reason = run.timedOut ? 'timed out after 30 s' : `exited with ${run.code}`
      const output = `${reason}:\n${tail(run.stderr + run.stdout, 12).join('\n')}`
      runs.set(example.name, { ok: false, duration, output })
    }
  }
  return { diagnostics, runs }
}

/** The host a `run` example needs; `undefined` for blocks that are only type-checked. */
export function hostFor(example: Example): HostAuthentication | undefined {
  if (example.mode === 'run') return 'none'
  if (example.mode === 'run with auth') return 'any-job'
  return undefined
}

/** `packages/x/README.md:42 (block 2)` for a line of the example's compiled file. */
function readmeLocation(example: Example, fileLine: number): string {
  const preludeLines = example.prelude.length
  const line =
    fileLine <= preludeLines
      ? example.preludeLine + fileLine - 1
      : example.codeLine + fileLine - preludeLines - 1
  return `${example.readme}:${line} (block ${example.index})`
}
