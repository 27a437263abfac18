/**
 * Build step: trains the embedded model and writes `dist/ngram-trigram.json`.
 * Run with `tsx src/backends/embedded/train.ts [modelPath]` after `tsup` (which cleans `dist/`).
 */
import { join } from 'node:path'
import { corpusFileName, modelFileName, packageRoot } from './loadNgramModel.js'
import { writeNgramModelFile } from './writeNgramModelFile.js'

const root = packageRoot()
const modelPath = process.argv[2] ?? join(root, 'dist', modelFileName)
const started = performance.now()
const written = await writeNgramModelFile({
  corpusPath: join(root, 'corpus', corpusFileName),
  modelPath,
})
console.log(
  `Trained ${modelPath}: ${written.vocabularySize} tokens, ${written.trigramCount} trigrams, ` +
    `${written.bytes} bytes in ${Math.round(performance.now() - started)} ms`,
)
