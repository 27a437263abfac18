import { readdirSync } from 'node:fs'
import { defineConfig } from 'vitest/config'

/** Every package, app and tool with tests: each is its own vitest project (its `vitest.config.ts`). */
const projectDirectories = ['packages', 'apps', 'tools'].flatMap((group) =>
  readdirSync(group, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .filter((entry) => readdirSync(`${group}/${entry.name}`).includes('vitest.config.ts'))
    .map((entry) => `${group}/${entry.name}`),
)

/** The project's bar, held by every package that has code (not by the workspace as a whole). */
const bar = { lines: 80, branches: 80, functions: 80, statements: 80 }

/**
 * `pnpm test`: one run over every project with coverage, so vitest starts once and its workers are
 * shared by all suites (most test time is spent waiting on servers, chains and sockets, so more
 * workers than cores pay off). `vitest run` in a package runs that package alone.
 */
export default defineConfig({
  test: {
    projects: projectDirectories.map((directory) => `${directory}/vitest.config.ts`),
    maxWorkers: 4,
    coverage: {
      provider: 'v8',
      // Relative to each project's folder, so files no test loads count as uncovered.
      include: ['src/**/*.ts'],
      exclude: [
        '**/*.test.ts',
        '**/*.test-d.ts',
        '**/*.bench.ts',
        '**/src/index.ts',
        // Command-line entry points and demo scripts only wire tested parts together; each runs as
        // a process in its package's tests or in CI (`pnpm demo`, `pnpm devnet`).
        '**/host/src/main.ts',
        '**/e2e/src/demo*.ts',
        '**/devnet/src/main.ts',
      ],
      reporter: ['text-summary', 'json-summary'],
      thresholds: Object.fromEntries(
        projectDirectories.map((directory) => [`${directory}/src/**/*.ts`, bar]),
      ),
    },
  },
})
