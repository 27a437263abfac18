import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { dirname } from 'node:path'
import { trainNgramModel } from './trainNgramModel.js'

/** Options of {@link writeNgramModelFile}. */
export type WriteNgramModelFileOptions = {
  /** The corpus to train on. */
  corpusPath: string
  /** Where to write the model (directories are created). */
  modelPath: string
}

/** What {@link writeNgramModelFile} resolves to. */
export type WriteNgramModelFileReturnType = {
  vocabularySize: number
  trigramCount: number
  bytes: number
}

/**
 * Trains the embedded model on a corpus and writes it as compact JSON, as the build does.
 *
 * @param options - corpus and model paths.
 * @returns the model's size.
 * @throws {Error} when the corpus cannot be read or the file cannot be written.
 *
 * @example
 * ```ts
 * import { writeNgramModelFile } from './writeNgramModelFile.js'
 *
 * await writeNgramModelFile({ corpusPath: 'corpus/carroll-alice.txt', modelPath: 'dist/ngram-trigram.json' })
 * ```
 */
export async function writeNgramModelFile({
  corpusPath,
  modelPath,
}: WriteNgramModelFileOptions): Promise<WriteNgramModelFileReturnType> {
  const data = trainNgramModel(await readFile(corpusPath, 'utf8'))
  const json = JSON.stringify(data)
  await mkdir(dirname(modelPath), { recursive: true })
  await writeFile(modelPath, json)
  return {
    vocabularySize: data.vocabulary.length,
    trigramCount: data.trigrams.length / 4,
    bytes: Buffer.byteLength(json),
  }
}
