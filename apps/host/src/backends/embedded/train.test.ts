import { execFile } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { expect, test } from 'vitest'
import { assertNgramModelData } from './NgramModelData.js'

test('the build step writes a valid model file', async () => {
  const directory = await mkdtemp(join(tmpdir(), 'fabstir-train-'))
  try {
    const modelPath = join(directory, 'nested', 'model.json')
    const script = fileURLToPath(new URL('./train.ts', import.meta.url))
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', script, modelPath],
      { cwd: fileURLToPath(new URL('../../..', import.meta.url)) },
    )
    expect(stdout).toMatch(/^Trained .*model\.json: \d+ tokens, \d+ trigrams, \d+ bytes in \d+ ms/)
    const data = assertNgramModelData(JSON.parse(await readFile(modelPath, 'utf8')))
    expect(data.vocabulary.length).toBeGreaterThan(1000)
  } finally {
    await rm(directory, { recursive: true, force: true })
  }
})
