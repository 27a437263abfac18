import { defineConfig } from 'tsup'

export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  // canonicalize is bundled: its manifest asks for Node 22 while it runs on 20.19 (tested there),
  // and its exact bytes are what signatures cover, so users get the version we test.
  noExternal: ['canonicalize'],
})
