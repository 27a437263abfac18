import { defineConfig } from 'vitest/config'

/** One workspace: each package and app is its own vitest project (`pnpm vitest` at the root runs them all). */
export default defineConfig({
  test: { projects: ['packages/*/vitest.config.ts', 'apps/*/vitest.config.ts'] },
})
