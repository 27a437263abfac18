// Run after tsup in packages whose declarations use viem's types. viem ships its declarations as
// ES modules only, so a CommonJS project (TypeScript `module: node16`/`nodenext`) cannot import
// them from our `.d.cts` files (TS1479) unless each import says it resolves as an ES import. The
// `.d.cts` files hold only type imports, so this rewrites them as such.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs'

const viemImport = /^import \{([^}]*)\} from '(viem(?:\/[\w-]+)*)';$/gm

for (const file of readdirSync('dist').filter((name) => name.endsWith('.d.cts'))) {
  const path = `dist/${file}`
  const text = readFileSync(path, 'utf8')
  const fixed = text.replace(
    viemImport,
    (_line, names, from) => `import type {${names}} from '${from}' with { 'resolution-mode': 'import' };`,
  )
  if (fixed !== text) writeFileSync(path, fixed)
}
