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
  },
})
