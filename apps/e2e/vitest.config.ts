import { defineProject, mergeConfig } from 'vitest/config'
import shared from '../../vitest.shared.ts'

export default mergeConfig(
  shared,
  // demo.ts prints what runFailover returns; CI runs it as `pnpm demo`.
  defineProject({ test: { name: 'e2e', coverage: { exclude: ['src/demo.ts'] } } }),
)
