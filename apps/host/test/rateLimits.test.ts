import { describe, expect, test } from 'vitest'
import type { Clock } from '../src/clock.js'
import { startHost } from '../src/startHost.js'
import { createScriptedBackend } from './scriptedBackend.js'
import { TestClient } from './testClient.js'

describe('prompt floods (scripted backend stub)', () => {
  test('prompts queue behind the running one up to maxQueuedPrompts; one more is RATE_LIMITED', async () => {
    const backend = createScriptedBackend({ tokens: ['t'], holdAt: 0 })
    await using host = await startHost({
      backends: [backend],
      insecureNoAuth: true,
      maxQueuedPrompts: 4,
    })
    const client = await TestClient.connect(host.url)
    await client.init()
    for (let index = 1; index <= 6; index += 1) {
      client.send({ type: 'prompt', request_id: `p${index}`, content: `prompt ${index}` })
    }
    const refused = await client.next()
    expect(refused).toMatchObject({
      type: 'error',
      code: 'RATE_LIMITED',
      request_id: 'p6',
      fatal: false,
    })
    expect(refused.type === 'error' && refused.retry_after_ms).toBeGreaterThan(0)

    backend.release()
    // Every queued prompt is answered, in order: none is dropped.
    const answered: string[] = []
    for (let index = 1; index <= 5; index += 1) {
      const { message, before } = await client.until('response')
      expect(before.every((message) => message.type === 'stream_chunk')).toBe(true)
      answered.push(message.request_id)
    }
    expect(answered).toEqual(['p1', 'p2', 'p3', 'p4', 'p5'])
    expect(backend.calls.map((call) => call.messages.at(-1)?.content)).toEqual([
      'prompt 1',
      'prompt 2',
      'prompt 3',
      'prompt 4',
      'prompt 5',
    ])
  })

  test('past promptsPerMinute a prompt is RATE_LIMITED with the wait until a slot frees', async () => {
    let now = Date.now()
    const clock: Clock = { now: () => now }
    await using host = await startHost({
      backends: [createScriptedBackend()],
      insecureNoAuth: true,
      promptsPerMinute: 2,
      clock,
    })
    const client = await TestClient.connect(host.url)
    await client.init()
    for (const id of ['a', 'b']) {
      client.send({ type: 'prompt', request_id: id, content: 'x', ts: now })
      await client.until('response')
    }
    now += 15_000
    client.send({ type: 'prompt', request_id: 'c', content: 'x', ts: now })
    expect(await client.next()).toMatchObject({
      type: 'error',
      code: 'RATE_LIMITED',
      request_id: 'c',
      retry_after_ms: 45_000,
    })
    now += 45_000
    client.send({ type: 'prompt', request_id: 'd', content: 'x', ts: now })
    expect((await client.until('response')).message.request_id).toBe('d')
  })
})
