import { defineProject, mergeConfig } from 'vitest/config'
import shared from '../../vitest.shared.ts'

export default mergeConfig(
  shared,
  // The demo scripts print what runFailover and runPaidSession return; CI runs them as `pnpm demo`.
  defineProject({ test: { name: 'e2e', coverage: { exclude: ['src/demo*.ts'] } } }),
)
