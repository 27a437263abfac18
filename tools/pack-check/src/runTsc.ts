import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { runCommand } from './runCommand.js'

const driver = fileURLToPath(new URL('../fixtures/typecheck.cjs', import.meta.url))

/** One error of `tsc --pretty false`. */
export type TscDiagnostic = {
  /** Relative to the project, with `/`; `undefined` for errors about no file (configuration). */
  file: string | undefined
  line: number
  column: number
  code: string
  /** The message with its indented continuation lines. */
  message: string
}

/**
 * Writes `tsconfig.<name>.json` into the consumer project and compiles it with that project's own
 * TypeScript through `fixtures/typecheck.cjs`: tsc's errors, but type errors are not hidden behind
 * a syntax error elsewhere, and third-party declarations are not checked (nor any file outside
 * `onlyFolder`, when given).
 * @returns every error, in the compiler's order.
 */
export async function runTsc(
  projectDirectory: string,
  name: string,
  tsconfig: object,
  { onlyFolder }: { onlyFolder?: string } = {},
): Promise<TscDiagnostic[]> {
  const configFile = `tsconfig.${name}.json`
  await writeFile(join(projectDirectory, configFile), `${JSON.stringify(tsconfig, null, 2)}\n`)
  const folder = onlyFolder === undefined ? [] : [onlyFolder]
  const result = await runCommand(process.execPath, [driver, configFile, ...folder], {
    cwd: projectDirectory,
    timeoutMs: 180_000,
  })
  const diagnostics = parseTscOutput(result.stdout)
  if (result.code !== 0 && diagnostics.length === 0) {
    const reason = result.timedOut ? 'timed out' : `exited with ${result.code}`
    diagnostics.push({
      file: undefined,
      line: 0,
      column: 0,
      code: 'tsc',
      message: `the compiler ${reason}: ${result.stderr.trim() || result.stdout.trim()}`,
    })
  }
  return diagnostics
}

function parseTscOutput(output: string): TscDiagnostic[] {
  const diagnostics: TscDiagnostic[] = []
  for (const line of output.split('\n')) {
    const located = /^(.+?)\((\d+),(\d+)\): error (TS\d+): (.*)$/.exec(line)
    const global = /^error (TS\d+): (.*)$/.exec(line)
    if (located) {
      const [, file = '', lineNumber, column, code = '', message = ''] = located
      diagnostics.push({ file, line: Number(lineNumber), column: Number(column), code, message })
    } else if (global) {
      const [, code = '', message = ''] = global
      diagnostics.push({ file: undefined, line: 0, column: 0, code, message })
    } else if (/^\s/.test(line) && line.trim() !== '') {
      const last = diagnostics.at(-1)
      if (last) last.message += `\n${line}`
    }
  }
  return diagnostics
}

/** `file(line,column): error TSxxxx: message`, as tsc prints it. */
export function formatDiagnostic(diagnostic: TscDiagnostic): string {
  const where =
    diagnostic.file === undefined
      ? ''
      : `${diagnostic.file}(${diagnostic.line},${diagnostic.column}): `
  return `${where}error ${diagnostic.code}: ${diagnostic.message}`
}

/** The package a file of `node_modules` belongs to (`ox`, `@fabstir/auth`), or `undefined`. */
export function getPackageOfFile(file: string | undefined): string | undefined {
  const match = /.*node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(file ?? '')
  return match?.[1]
}
