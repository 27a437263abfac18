import { createRequire } from 'node:module'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import ts from 'typescript'
import { beforeAll, describe, expect, test } from 'vitest'

// The package's declarations as a user's project sees them: emitted from the sources with the
// package's own tsconfig (DOM lib, as the build does), then compiled, strictly and without
// skipLibCheck, together with the consumer code in test/types/ in a Node project without the DOM
// lib (Node 20's @types/node, then with Node 22's global WebSocket) and in a browser project.

const packageRoot = fileURLToPath(new URL('..', import.meta.url))
const typesDirectory = path.join(packageRoot, 'test', 'types')
const workspacePackages = path.resolve(packageRoot, '..')

/** Declarations of the workspace packages by path (`src/x.d.ts` beside `src/x.ts`). */
type Declarations = Map<string, string>

function parseConfig(configPath: string): ts.ParsedCommandLine {
  const parsed = ts.getParsedCommandLineOfConfigFile(
    configPath,
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (diagnostic) => {
        throw new Error(ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'))
      },
    },
  )
  if (parsed === undefined) throw new Error(`cannot read ${configPath}`)
  return parsed
}

function format(diagnostics: readonly ts.Diagnostic[]): string[] {
  return diagnostics.map((diagnostic) => {
    const text = ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n')
    if (diagnostic.file === undefined || diagnostic.start === undefined) return text
    const { line } = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start)
    return `${path.relative(workspacePackages, diagnostic.file.fileName)}:${line + 1} ${text}`
  })
}

/** Whether a resolved module is a TypeScript source in a workspace package's `src` folder. */
function isWorkspaceSource(fileName: string): boolean {
  const relative = path.relative(workspacePackages, fileName)
  return /^[^/]+\/src\/.+(?<!\.d)\.ts$/.test(relative) && !relative.includes('node_modules')
}

/**
 * Resolves module names as `host` would from the real files, then lets `map` change the result.
 * Imports of workspace packages take their `@fabstir/source` condition (their `src/`).
 */
function resolveModules(
  host: ts.CompilerHost,
  map: (resolved: ts.ResolvedModuleFull) => ts.ResolvedModuleFull,
): void {
  host.resolveModuleNameLiterals = (
    literals,
    containingFile,
    redirectedReference,
    options,
    containingSourceFile,
  ) =>
    literals.map((literal) => {
      const mode = ts.getModeForUsageLocation(containingSourceFile, literal, options)
      const { resolvedModule } = ts.resolveModuleName(
        literal.text,
        containingFile,
        options,
        ts.sys,
        undefined,
        redirectedReference,
        mode,
      )
      return { resolvedModule: resolvedModule === undefined ? undefined : map(resolvedModule) }
    })
}

/**
 * Emits the declarations of `src/index.ts`, `src/node.ts` and of the workspace sources they import
 * (`@fabstir/protocol`, `@fabstir/auth`), each beside its source.
 */
function emitDeclarations(): Declarations {
  const config = parseConfig(path.join(packageRoot, 'tsconfig.json'))
  const options: ts.CompilerOptions = {
    ...config.options,
    noEmit: false,
    declaration: true,
    emitDeclarationOnly: true,
    skipLibCheck: true,
    customConditions: ['@fabstir/source'],
  }
  const host = ts.createCompilerHost(options, true)
  // A workspace package's source is part of the program (emitted), not an external library.
  resolveModules(host, (resolved) =>
    isWorkspaceSource(resolved.resolvedFileName)
      ? { ...resolved, isExternalLibraryImport: false }
      : resolved,
  )
  const program = ts.createProgram({
    rootNames: [path.join(packageRoot, 'src/index.ts'), path.join(packageRoot, 'src/node.ts')],
    options,
    host,
  })
  const declarations: Declarations = new Map()
  const result = program.emit(undefined, (fileName, text) => declarations.set(fileName, text))
  expect(format(result.diagnostics)).toEqual([])
  return declarations
}

type ConsumerProject = {
  /** `tsconfig.<name>.json` in test/types/. */
  config: string
  /** More root files (paths in test/types/ or virtual ones). */
  rootNames?: string[]
  /** Virtual files by path. */
  files?: Map<string, string>
  /** More compiler options. */
  options?: ts.CompilerOptions
}

/**
 * Compiles a consumer project against the emitted declarations (a workspace package resolves to
 * its `src/*.d.ts`, never to its sources or a stale build) and returns the errors in the consumer
 * code and in the workspace declarations.
 */
function compileConsumer(declarations: Declarations, project: ConsumerProject): string[] {
  const config = parseConfig(path.join(typesDirectory, `tsconfig.${project.config}.json`))
  const options: ts.CompilerOptions = {
    ...config.options,
    ...project.options,
    customConditions: ['@fabstir/source'],
  }
  const virtual = new Map([...declarations, ...(project.files ?? [])])
  const host = ts.createCompilerHost(options, true)
  const { fileExists, readFile, getSourceFile } = host
  host.fileExists = (fileName) => virtual.has(fileName) || fileExists.call(host, fileName)
  host.readFile = (fileName) => virtual.get(fileName) ?? readFile.call(host, fileName)
  host.getSourceFile = (fileName, languageVersion, ...rest) => {
    const text = virtual.get(fileName)
    if (text !== undefined) return ts.createSourceFile(fileName, text, languageVersion)
    return getSourceFile.call(host, fileName, languageVersion, ...rest)
  }
  resolveModules(host, (resolved) => {
    const declaration = resolved.resolvedFileName.replace(/\.ts$/, '.d.ts')
    if (!isWorkspaceSource(resolved.resolvedFileName)) return resolved
    if (!declarations.has(declaration)) throw new Error(`no declaration of ${declaration}`)
    return { ...resolved, resolvedFileName: declaration, extension: ts.Extension.Dts }
  })
  const program = ts.createProgram({
    rootNames: [...config.fileNames, ...(project.rootNames ?? [])],
    options,
    host,
  })
  // This package's declarations and the consumer code. (Other packages' declarations are read
  // but not reported: here they are per file, while their builds bundle only what they export.)
  const checked = program
    .getSourceFiles()
    .filter(
      (file) =>
        file.fileName.startsWith(typesDirectory) ||
        (declarations.has(file.fileName) && file.fileName.startsWith(packageRoot)),
    )
  // The consumer must really have compiled against the emitted declarations.
  expect(checked.map((file) => path.relative(packageRoot, file.fileName))).toEqual(
    expect.arrayContaining([
      'src/index.d.ts',
      'src/TypedEventTarget.d.ts',
      'src/session/webSocket.d.ts',
    ]),
  )
  return format([
    ...program.getOptionsDiagnostics(),
    ...program.getGlobalDiagnostics(),
    ...checked.flatMap((file) => [
      ...program.getSyntacticDiagnostics(file),
      ...program.getSemanticDiagnostics(file),
    ]),
  ])
}

/**
 * Node 22's global WebSocket as `@types/node` ≥ 22 declares it: undici's, from `undici-types`
 * (which `@types/node` 20 depends on too, at the version Node 22's types use).
 */
function node22WebSocket(): ConsumerProject {
  const requireFromTypes = createRequire(
    createRequire(import.meta.url).resolve('@types/node/package.json'),
  )
  const undiciTypes = path.dirname(requireFromTypes.resolve('undici-types/package.json'))
  const shim = path.join(typesDirectory, 'node22-globals.d.ts')
  return {
    config: 'node',
    rootNames: [path.join(typesDirectory, 'globalWebSocket.ts'), shim],
    files: new Map([
      [
        shim,
        "declare global { var WebSocket: typeof import('undici-types').WebSocket }\nexport {}\n",
      ],
    ]),
    options: { paths: { 'undici-types': [undiciTypes] } },
  }
}

describe('the published types in a user project (strict, no skipLibCheck)', () => {
  let declarations: Declarations
  beforeAll(() => {
    declarations = emitDeclarations()
  }, 300_000)

  test('Node without the DOM lib: the README listeners and ws’s WebSocket', () => {
    expect(compileConsumer(declarations, { config: 'node' })).toEqual([])
  }, 300_000)

  test('Node ≥ 22: its global WebSocket fits the webSocket option', () => {
    expect(compileConsumer(declarations, node22WebSocket())).toEqual([])
  }, 300_000)

  test('a browser project (DOM lib, no @types/node): the DOM’s WebSocket fits', () => {
    expect(compileConsumer(declarations, { config: 'dom' })).toEqual([])
  }, 300_000)
})
