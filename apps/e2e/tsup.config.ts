import { defineConfig } from 'tsup'

export default defineConfig({
  entry: ['src/demo.ts'],
  format: ['esm'],
  sourcemap: true,
  clean: true,
})
