/** What a step found: printed as a block when it ends, and as a line of the summary. */
export type StepReport = {
  name: string
  status: 'passed' | 'failed' | 'skipped'
  durationMs: number
  /** Failure messages, one per problem (also among `lines`). */
  failures: string[]
}

/** Collects a step's output, so that steps running at the same time print whole blocks. */
export class StepLog {
  readonly lines: string[] = []
  readonly failures: string[] = []

  info(line: string): void {
    this.lines.push(`  ${line}`)
  }

  /** Records a problem: the step fails, and goes on to find the others. */
  fail(line: string): void {
    this.failures.push(line)
    this.lines.push(`  ✗ ${line}`)
  }
}

/** A step's report and what it produced; `value` is `undefined` when the step threw. */
export type StepResult<value> = { report: StepReport; value: value | undefined }

/**
 * Runs one step of the check: times it, turns a thrown error into a failure, and prints its block.
 * Steps may run concurrently; each prints when it ends.
 */
export async function runStep<value>(
  name: string,
  run: (log: StepLog) => Promise<value>,
): Promise<StepResult<value>> {
  const log = new StepLog()
  const startedAt = performance.now()
  let value: value | undefined
  try {
    value = await run(log)
  } catch (error) {
    log.fail(error instanceof Error ? error.message : String(error))
  }
  const report: StepReport = {
    name,
    status: log.failures.length === 0 ? 'passed' : 'failed',
    durationMs: performance.now() - startedAt,
    failures: log.failures,
  }
  printBlock(report, log.lines)
  return { report, value }
}

/** A step that cannot run because one it needs failed. */
export function skipStep<value>(name: string, reason: string): StepResult<value> {
  const report: StepReport = { name, status: 'skipped', durationMs: 0, failures: [reason] }
  printBlock(report, [`  skipped: ${reason}`])
  return { report, value: undefined }
}

export const statusMark = { passed: '✓', failed: '✗', skipped: '–' } as const

export function formatDuration(milliseconds: number): string {
  return `${(milliseconds / 1000).toFixed(1)} s`
}

function printBlock(report: StepReport, lines: readonly string[]): void {
  const heading = `${statusMark[report.status]} ${report.name} (${formatDuration(report.durationMs)})`
  console.log([`\n${heading}`, ...lines].join('\n'))
}
