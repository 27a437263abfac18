// pack-check: installs the packed @fabstir packages into blank npm projects outside the workspace,
// as a user would, and checks what a user meets. See ../README.md.
import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { checkBrowserBundle } from './checkBrowserBundle.js'
import { checkExamples, hostFor } from './checkExamples.js'
import { checkImports } from './checkImports.js'
import { checkInferenceAlone } from './checkInferenceAlone.js'
import { checkTypes } from './checkTypes.js'
import { type Example, extractExamples, findReadmes } from './extractExamples.js'
import { findPublishablePackages } from './findPublishablePackages.js'
import { installConsumerProject } from './installConsumerProject.js'
import { type PackedPackage, packPackages } from './packPackages.js'
import {
  formatDuration,
  runStep,
  type StepLog,
  type StepReport,
  skipStep,
  statusMark,
} from './runStep.js'
import { type ReferenceHost, startReferenceHost } from './startReferenceHost.js'

const toolRoot = fileURLToPath(new URL('..', import.meta.url))
const workspaceRoot = join(toolRoot, '..', '..')
const keepWorkDirectory = process.argv.includes('--keep')

async function main(): Promise<number> {
  const startedAt = performance.now()
  const workDirectory = await mkdtemp(join(tmpdir(), 'fabstir-pack-check-'))
  if (!relative(workspaceRoot, workDirectory).startsWith('..')) {
    throw new Error(`${workDirectory} is inside the workspace: set TMPDIR to a folder outside it`)
  }
  console.log(`pack-check on Node ${process.version}, in ${workDirectory}`)

  // The README examples come first: they tell which hosts to start.
  const examples: Example[] = []
  const extractionErrors: string[] = []
  for (const readme of await findReadmes(workspaceRoot)) {
    try {
      examples.push(...(await extractExamples(workspaceRoot, readme)))
    } catch (error) {
      extractionErrors.push((error as Error).message)
    }
  }
  const hosts = {
    none: startReferenceHost(workspaceRoot, 'none'),
    'any-job': examples.some((example) => hostFor(example) === 'any-job')
      ? startReferenceHost(workspaceRoot, 'any-job')
      : undefined,
  }
  // Each step that needs a host awaits it and reports its failure; nothing is left unhandled.
  for (const host of Object.values(hosts)) host?.catch(() => {})

  let reports: StepReport[]
  try {
    reports = await runSteps(workDirectory, examples, extractionErrors, hosts)
  } finally {
    await Promise.all(
      Object.values(hosts).map(async (host) => (await host?.catch(() => undefined))?.stop()),
    )
  }

  const failed = reports.filter((report) => report.status !== 'passed')
  console.log(
    `\nSummary (Node ${process.version}; ${formatDuration(performance.now() - startedAt)} in all, steps overlap)`,
  )
  for (const report of reports) {
    const problems = report.failures.length > 0 ? `  ${report.failures.length} problem(s)` : ''
    console.log(
      `  ${statusMark[report.status]} ${report.name.padEnd(34)} ${formatDuration(report.durationMs).padStart(7)}${problems}`,
    )
    for (const failure of report.failures) {
      console.log(`      ${(failure.split('\n')[0] ?? '').slice(0, 150)}`)
    }
  }
  if (failed.length === 0 && !keepWorkDirectory)
    await rm(workDirectory, { recursive: true, force: true })
  else console.log(`\nThe projects are kept in ${workDirectory}`)
  return failed.length === 0 ? 0 : 1
}

const stepNames = {
  pack: '1. pack',
  install: '2. install in a blank project',
  imports: '3. import and require',
  types: '4. types',
  inferenceAlone: '5. @fabstir/inference alone',
  bundle: '6. browser bundle',
  examples: '7. README examples',
} as const

async function runSteps(
  workDirectory: string,
  examples: readonly Example[],
  extractionErrors: readonly string[],
  hosts: { none: Promise<ReferenceHost>; 'any-job': Promise<ReferenceHost> | undefined },
): Promise<StepReport[]> {
  const pack = await runStep(stepNames.pack, async (log) => {
    const packages = await findPublishablePackages(workspaceRoot)
    log.info(`publishable: ${packages.map((item) => item.manifest.name).join(', ')}`)
    const destination = join(workDirectory, 'tarballs')
    await mkdir(destination)
    return packPackages(workspaceRoot, packages, destination, log)
  })
  const packed: PackedPackage[] = pack.value ?? []
  if (packed.length === 0) {
    const later = Object.values(stepNames).slice(1)
    const skipped = later.map((name) => skipStep(name, 'nothing was packed'))
    return [pack, ...skipped].map((result) => result.report)
  }

  // The second project needs only the tarballs and a host: it runs beside the first one.
  const inferenceAlone = runStep(stepNames.inferenceAlone, (log) =>
    checkInferenceAlone(
      join(workDirectory, 'inference-alone'),
      join(toolRoot, 'fixtures'),
      packed,
      hosts.none,
      log,
    ),
  )
  const install = await runStep(stepNames.install, (log) =>
    installConsumerProject(join(workDirectory, 'consumer'), packed, log),
  )
  const project = install.value
  const afterInstall = <value>(
    name: string,
    run: (project: string, log: StepLog) => Promise<value>,
  ) =>
    project === undefined
      ? Promise.resolve(skipStep<value>(name, 'the install failed'))
      : runStep(name, (log) => run(project, log))
  const [imports, types, bundle, readmeExamples] = await Promise.all([
    afterInstall(stepNames.imports, (directory, log) => checkImports(directory, packed, log)),
    afterInstall(stepNames.types, (directory, log) =>
      checkTypes(directory, join(toolRoot, 'consumers'), packed, log),
    ),
    afterInstall(stepNames.bundle, (directory, log) => checkBrowserBundle(directory, packed, log)),
    afterInstall(stepNames.examples, async (directory, log) => {
      for (const error of extractionErrors) log.fail(error)
      await checkExamples(directory, examples, hosts, log)
    }),
  ])
  const steps = [pack, install, imports, types, await inferenceAlone, bundle, readmeExamples]
  return steps.map((result) => result.report)
}

main().then(
  (code) => {
    process.exitCode = code
  },
  (error: unknown) => {
    console.error(error)
    process.exitCode = 1
  },
)
