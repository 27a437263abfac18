import { defineProject, mergeConfig } from 'vitest/config'
import shared from '../../vitest.shared.ts'

export default mergeConfig(
  shared, // main.ts is the command, tested as a process in startDevnet.test.ts.
  defineProject({ test: { name: 'devnet', coverage: { exclude: ['src/main.ts'] } } }),
)
