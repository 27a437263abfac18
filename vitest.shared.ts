import { defineConfig } from 'vitest/config'

/** Settings every package's vitest project starts from (merged in each `vitest.config.ts`). */
export default defineConfig({
  // Tests read sibling packages' sources (the `@fabstir/source` export condition), never a stale build.
  resolve: { conditions: ['@fabstir/source', 'module', 'browser', 'development|production'] },
  ssr: { resolve: { conditions: ['@fabstir/source', 'module', 'node', 'development|production'] } },
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    coverage: {
      provider: 'v8',
      include: ['src/**/*.ts'],
      exclude: ['src/**/*.test.ts', 'src/**/*.test-d.ts', 'src/**/*.bench.ts', 'src/index.ts'],
      reporter: ['text-summary', 'json-summary'],
      // The project's bar for every package that has code.
      thresholds: { lines: 80, branches: 80, functions: 80, statements: 80 },
    },
  },
})
