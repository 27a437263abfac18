import { webSocket } from '@fabstir/sdk/node'
import { privateKeyToAccount } from 'viem/accounts'
import { expect, test } from 'vitest'
import { hostCommand } from '../src/hostCommand.js'
import { runFailover } from '../src/runFailover.js'
import { spawnHost } from '../src/spawnHost.js'

const model = 'fabstir/ngram-trigram.json'
// Paced so that the kill lands while the first host is still streaming.
const args = ['--model', model, '--dev-accept-any-job', '--token-delay-ms', '10']

test('a host killed mid-stream: the authenticated, signed session resumes on another host with its whole context', async () => {
  const command = hostCommand({ source: true })
  await using first = await spawnHost({ command, args })
  await using second = await spawnHost({ command, args })
  const sessionUrl = (url: string) => `${url.replace(/^http/, 'ws')}/v1/session`

  const report = await runFailover({
    hosts: [first, second],
    model,
    prompts: ['Who is the White Rabbit?', 'Tell me about the Queen.', 'And the croquet game?'],
    killDuringTurn: 1,
    account: privateKeyToAccount(`0x${'42'.repeat(32)}`),
    inference: { webSocket },
  })

  expect(report.turns.map((turn) => turn.host)).toEqual([
    sessionUrl(first.url),
    sessionUrl(second.url),
    sessionUrl(second.url),
  ])
  for (const turn of report.turns) {
    // Nothing the stream delivered was lost or duplicated across the failover.
    expect(turn.delivered).toBe(turn.content)
    expect(turn.content.length).toBeGreaterThan(0)
  }
  // The second host rebuilt the conversation: it holds every message of the session.
  expect(report.turns.map((turn) => turn.contextMessages)).toEqual([2, 4, 6])
  expect(report.conversation.map((message) => message.role)).toEqual([
    'user',
    'assistant',
    'user',
    'assistant',
    'user',
    'assistant',
  ])
  expect(report.failoverMs).toBeGreaterThanOrEqual(0)
  expect(report.usage?.total_tokens).toBeGreaterThan(0)
  // Two host processes start from TypeScript sources (tsx) before the session: on a loaded 2-core
  // machine that alone took most of the default 30 s. Nothing here is timed; the bound stops a hang.
}, 120_000)

test('spawnHost reports a host that cannot start', async () => {
  await expect(
    spawnHost({ command: hostCommand({ source: true }), args: ['--no-such-option'] }),
  ).rejects.toThrow(/exited with 2/)
})
