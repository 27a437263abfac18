import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, test } from 'vitest'

const main = fileURLToPath(new URL('../src/main.ts', import.meta.url))

const children: ReturnType<typeof spawn>[] = []
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL')
})

function run(args: string[]) {
  // tsx runs the sources, the workspace's own included (its `@fabstir/source` condition): no build.
  const child = spawn(
    process.execPath,
    ['--conditions=@fabstir/source', '--import', 'tsx', main, ...args],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  )
  children.push(child)
  const stderr: string[] = []
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => stderr.push(chunk))
  return { child, stderr, exited: once(child, 'exit') as Promise<[number | null, string | null]> }
}

describe('the fabstir-host command (embedded backend)', () => {
  test('prints its URL, serves, and exits 0 on SIGTERM', async () => {
    const { child, stderr, exited } = run([
      '--port',
      '0',
      '--model',
      'cli/model',
      '--insecure-no-auth',
    ])
    const [url] = (await once(createInterface({ input: child.stdout }), 'line')) as [string]
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    const { models } = (await (await fetch(`${url}/v1/models`)).json()) as {
      models: { name: string }[]
    }
    expect(models.map((model) => model.name)).toEqual(['cli/model'])
    child.kill('SIGTERM')
    expect((await exited)[0]).toBe(0)
    expect(stderr.join('')).toContain('WITHOUT authentication')
  })

  test('--dev-accept-any-job issues tokens and says loudly on stderr that nothing is checked', async () => {
    const { child, stderr, exited } = run([
      '--port',
      '0',
      '--model',
      'cli/model',
      '--dev-accept-any-job',
    ])
    const [url] = (await once(createInterface({ input: child.stdout }), 'line')) as [string]
    const challenge = await fetch(`${url}/v1/auth/challenge`, {
      method: 'POST',
      body: JSON.stringify({ job_id: '1', chain_id: 1, address: `0x${'11'.repeat(20)}` }),
    })
    expect(challenge.status).toBe(200)
    await challenge.body?.cancel()
    child.kill('SIGTERM')
    expect((await exited)[0]).toBe(0)
    expect(stderr.join('')).toContain(
      'development job verifier: every job is accepted, nothing is checked on chain',
    )
  })

  test('a bad command line prints the usage and exits 2', async () => {
    const { stderr, exited } = run(['--port', 'x'])
    expect((await exited)[0]).toBe(2)
    expect(stderr.join('')).toContain('Usage: fabstir-host')
  })
})
