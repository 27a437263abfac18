import { defineProject, mergeConfig } from 'vitest/config'
import shared from '../../vitest.shared.ts'

export default mergeConfig(
  shared,
  // main.ts only wires parseHostArgs, the backends and startHost together (each tested) for the CLI.
  defineProject({ test: { name: 'host', coverage: { exclude: ['src/main.ts'] } } }),
)
