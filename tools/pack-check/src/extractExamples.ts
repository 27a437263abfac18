import { existsSync } from 'node:fs'
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'

/** What the check does with a README code block; see tools/pack-check/README.md. */
export type ExampleMode = 'typecheck' | 'run' | 'run with auth' | 'skip'

/** A ```ts block of a README, with what its `<!-- example: … -->` comment says. */
export type Example = {
  /** The README, relative to the workspace root. */
  readme: string
  /** 1-based, among the README's ts blocks. */
  index: number
  /** A file name for it: `inference-2`, `root-1`. */
  name: string
  mode: ExampleMode
  /** Why it is skipped (required for `skip`). */
  reason: string | undefined
  /** Hidden lines of the comment, compiled before the block. */
  prelude: string[]
  /** README line (1-based) of the first prelude line. */
  preludeLine: number
  code: string[]
  /** README line (1-based) of the first line of code. */
  codeLine: number
}

const directivePattern = /^(run with auth|run|typecheck|skip)(?:\s*[—–:-]\s*(.*?))?\s*$/

/** The root README and every `packages/*\/README.md`, in that order. */
export async function findReadmes(workspaceRoot: string): Promise<string[]> {
  const packages = await readdir(join(workspaceRoot, 'packages'))
  const readmes = packages
    .sort()
    .map((name) => `packages/${name}/README.md`)
    .filter((path) => existsSync(join(workspaceRoot, path)))
  return ['README.md', ...readmes]
}

/**
 * Every ```ts (or ```typescript) block of the README, with its mode from the comment right
 * before it (blank lines between are allowed); a block without one is type-checked.
 * @throws for a malformed comment, or a skip without a reason.
 */
export async function extractExamples(workspaceRoot: string, readme: string): Promise<Example[]> {
  const lines = (await readFile(join(workspaceRoot, readme), 'utf8')).split('\n')
  const prefix = readme === 'README.md' ? 'root' : (readme.split('/')[1] ?? readme)
  const examples: Example[] = []
  for (let index = 0; index < lines.length; index++) {
    const fence = /^(\s*)(`{3,})\s*(\S*)/.exec(lines[index] ?? '')
    if (!fence) continue
    const [, indent = '', ticks = '', language = ''] = fence
    const closingFence = new RegExp(`^\\s*\`{${ticks.length},}\\s*$`)
    const close = lines.findIndex((line, at) => at > index && closingFence.test(line))
    const end = close === -1 ? lines.length : close
    if (language === 'ts' || language === 'typescript') {
      const comment = readComment(lines, index, readme)
      const code = lines.slice(index + 1, end).map((line) => line.slice(indent.length))
      examples.push({
        readme,
        index: examples.length + 1,
        name: `${prefix}-${examples.length + 1}`,
        code,
        codeLine: index + 2,
        ...comment,
      })
    }
    index = end
  }
  return examples
}

type Comment = Pick<Example, 'mode' | 'reason' | 'prelude' | 'preludeLine'>

/** The `<!-- example: … -->` comment that ends right above line `fenceIndex`, if any. */
function readComment(lines: readonly string[], fenceIndex: number, readme: string): Comment {
  let last = fenceIndex - 1
  while (last >= 0 && lines[last]?.trim() === '') last--
  const none: Comment = { mode: 'typecheck', reason: undefined, prelude: [], preludeLine: 0 }
  if (last < 0 || !lines[last]?.trim().endsWith('-->')) return none
  let first = last
  while (first >= 0 && !lines[first]?.includes('<!--')) first--
  const opening = /<!--\s*example:\s*(.*)$/.exec(lines[first] ?? '')
  if (first < 0 || !opening) return none
  const where = `${readme}:${first + 1}`
  const directiveText = (opening[1] ?? '').replace(/-->\s*$/, '').trim()
  const directive = directivePattern.exec(directiveText)
  if (!directive) {
    throw new Error(
      `${where}: unknown example directive "${directiveText}" (run, run with auth, typecheck, skip — reason)`,
    )
  }
  const mode = directive[1] as ExampleMode
  const reason = directive[2] || undefined
  if (mode === 'skip' && reason === undefined) throw new Error(`${where}: a skip needs a reason`)
  const prelude = first === last ? [] : lines.slice(first + 1, last)
  const closing = (lines[last] ?? '').replace(/-->\s*$/, '')
  if (first !== last && closing.trim() !== '') prelude.push(closing)
  return { mode, reason, prelude, preludeLine: first + 2 }
}
