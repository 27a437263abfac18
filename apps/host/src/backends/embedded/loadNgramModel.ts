import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { NgramModel } from './NgramModel.js'
import { assertNgramModelData } from './NgramModelData.js'
import { trainNgramModel } from './trainNgramModel.js'

/** The corpus file, under `corpus/` of the host package. */
export const corpusFileName = 'carroll-alice.txt'
/** The model file the build writes, under `dist/` of the host package. */
export const modelFileName = 'ngram-trigram.json'

/** Options of {@link loadNgramModel}. */
export type LoadNgramModelOptions = {
  /** The model file. @default `dist/ngram-trigram.json` of the host package */
  modelPath?: string
  /** The corpus to train on when the model file is absent. @default `corpus/carroll-alice.txt` */
  corpusPath?: string
}

/** What {@link loadNgramModel} resolves to. */
export type LoadNgramModelReturnType = {
  model: NgramModel
  /** Whether the model came from the built file or was trained from the corpus just now. */
  source: 'file' | 'corpus'
}

const loaded = new Map<string, Promise<LoadNgramModelReturnType>>()

/**
 * Loads the embedded model from the file the build wrote, or, when there is none, trains it from
 * the corpus in process. One load per pair of paths is shared by every caller.
 *
 * @param options - where the model file and the corpus are.
 * @returns the model and where it came from.
 * @throws {TypeError} when the model file exists but is not a valid model.
 * @throws {Error} when neither the model file nor the corpus can be read.
 *
 * @example
 * ```ts
 * import { loadNgramModel } from './loadNgramModel.js'
 *
 * const { model, source } = await loadNgramModel()
 * ```
 */
export function loadNgramModel({
  modelPath = join(packageRoot(), 'dist', modelFileName),
  corpusPath = join(packageRoot(), 'corpus', corpusFileName),
}: LoadNgramModelOptions = {}): Promise<LoadNgramModelReturnType> {
  const key = `${modelPath}\0${corpusPath}`
  let load = loaded.get(key)
  if (!load) {
    load = read(modelPath, corpusPath)
    loaded.set(key, load)
    // A failed load is not cached, so a later call (after a build) can succeed.
    load.catch(() => loaded.delete(key))
  }
  return load
}

async function read(modelPath: string, corpusPath: string): Promise<LoadNgramModelReturnType> {
  let text: string
  try {
    text = await readFile(modelPath, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
    const corpus = await readFile(corpusPath, 'utf8')
    return { model: new NgramModel(trainNgramModel(corpus)), source: 'corpus' }
  }
  return { model: new NgramModel(assertNgramModelData(JSON.parse(text))), source: 'file' }
}

/**
 * The host package's directory: the nearest ancestor of this module that has the corpus. The
 * module runs from `src/backends/embedded/` in tests and from `dist/` once bundled.
 */
export function packageRoot(): string {
  const start = dirname(fileURLToPath(import.meta.url))
  for (let directory = start; ; directory = dirname(directory)) {
    if (existsSync(join(directory, 'corpus', corpusFileName))) return directory
    if (dirname(directory) === directory) return start
  }
}
