import { expectedExports } from './expectedExports.js'
import { mapWithConcurrency } from './mapWithConcurrency.js'
import { getSpecifier, getSubpaths } from './PackageManifest.js'
import type { PackedPackage } from './packPackages.js'
import { runCommand, tail } from './runCommand.js'
import type { StepLog } from './runStep.js'

type LoadResult = {
  specifier: string
  error?: string
  exportCount?: number
  kinds?: Record<string, string>
}

// Runs in the consumer project, given the specifiers and the names to look at; prints one JSON
// line. `LOAD` is `import(specifier)` or `require(specifier)`.
const probeSource = `
const kindOf = (value) =>
  typeof value === 'function'
    ? /^class[\\s{]/.test(Function.prototype.toString.call(value)) ? 'class' : 'function'
    : Array.isArray(value) ? 'array' : value === null ? 'null' : typeof value
;(async () => {
  const results = []
  for (const [specifier, names] of JSON.parse(process.argv[1])) {
    try {
      const entry = await LOAD
      const kinds = Object.fromEntries(names.map((name) => [name, kindOf(entry[name])]))
      results.push({ specifier, exportCount: Object.keys(entry).length, kinds })
    } catch (error) {
      results.push({ specifier, error: String(error?.stack ?? error).split('\\n').slice(0, 4).join('\\n') })
    }
  }
  console.log(JSON.stringify(results))
})()
`

const modes = [
  { name: 'ESM', args: ['--input-type=module', '-e'], load: 'import(specifier)' },
  { name: 'CJS', args: ['-e'], load: 'require(specifier)' },
] as const

/**
 * Step 3: each package and each subpath of its `exports` map, loaded from the consumer project
 * with `import()` (ESM) and `require()` (CommonJS) in a fresh Node each, and a few main exports
 * checked for their kind (see `expectedExports.ts`).
 */
export async function checkImports(
  projectDirectory: string,
  packed: readonly PackedPackage[],
  log: StepLog,
): Promise<void> {
  const specifiersByPackage = packed.map((item) =>
    getSubpaths(item.manifest).map((subpath) => getSpecifier(item.name, subpath)),
  )
  const exported = new Set(specifiersByPackage.flat())
  for (const specifier of Object.keys(expectedExports)) {
    const isOurs = packed.some(
      (item) => specifier === item.name || specifier.startsWith(`${item.name}/`),
    )
    if (isOurs && !exported.has(specifier)) log.fail(`${specifier} is no longer exported`)
  }
  const jobs = specifiersByPackage.flatMap((specifiers) =>
    modes.map((mode) => ({ specifiers, mode })),
  )
  const outcomes = await mapWithConcurrency(jobs, 4, ({ specifiers, mode }) =>
    probe(projectDirectory, specifiers, mode),
  )
  for (const [index, { specifiers, mode }] of jobs.entries()) {
    const outcome = outcomes[index]
    if (outcome === undefined) continue
    for (const warning of outcome.warnings) log.info(`${mode.name} ${specifiers[0]}: ${warning}`)
    if ('error' in outcome) {
      log.fail(`${mode.name} ${specifiers.join(', ')}: ${outcome.error}`)
      continue
    }
    for (const result of outcome.results) report(mode.name, result, log)
  }
}

function report(modeName: string, result: LoadResult, log: StepLog): void {
  if (result.error !== undefined) {
    log.fail(`${modeName} ${result.specifier} does not load: ${result.error}`)
    return
  }
  const expected = expectedExports[result.specifier] ?? {}
  const wrong = Object.entries(expected)
    .filter(([name, kind]) => result.kinds?.[name] !== kind)
    .map(([name, kind]) => `${name} is ${result.kinds?.[name] ?? 'missing'}, expected ${kind}`)
  if (wrong.length > 0) log.fail(`${modeName} ${result.specifier}: ${wrong.join('; ')}`)
  else if (result.exportCount === 0) log.fail(`${modeName} ${result.specifier} exports nothing`)
  else {
    const checked = Object.keys(expected)
    log.info(
      `✓ ${modeName} ${result.specifier}: ${result.exportCount} exports${checked.length > 0 ? ` (${checked.join(', ')} checked)` : ''}`,
    )
  }
}

type ProbeOutcome =
  | { results: LoadResult[]; warnings: string[] }
  | { error: string; warnings: string[] }

async function probe(
  projectDirectory: string,
  specifiers: readonly string[],
  mode: (typeof modes)[number],
): Promise<ProbeOutcome> {
  const input = specifiers.map((specifier) => [
    specifier,
    Object.keys(expectedExports[specifier] ?? {}),
  ])
  const source = probeSource.replace('LOAD', mode.load)
  const result = await runCommand(process.execPath, [...mode.args, source, JSON.stringify(input)], {
    cwd: projectDirectory,
    timeoutMs: 30_000,
  })
  // Node's own warnings (an ExperimentalWarning for require(esm), deprecations) are worth seeing.
  const warnings = tail(result.stderr, 5)
  const lastLine = tail(result.stdout, 1)[0]
  if (result.code !== 0 || lastLine === undefined) {
    return { error: `node exited with ${result.code}`, warnings }
  }
  return { results: JSON.parse(lastLine) as LoadResult[], warnings }
}
