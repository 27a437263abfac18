import { createServer } from 'node:net'
import { describe, expect, test } from 'vitest'
import type { ModelBackend } from './backends/ModelBackend.js'
import { startHost } from './startHost.js'

// A stub ModelBackend: these tests never generate.
const stub = (name: string): ModelBackend => ({
  name,
  contextWindow: 8,
  generate: async function* () {},
  countTokens: async () => 0,
})

/** Whether this machine can listen on the IPv6 loopback `::1` (some containers cannot). */
function canListenOnIpv6Loopback(): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer()
    server.once('error', () => resolve(false))
    server.listen(0, '::1', () => server.close(() => resolve(true)))
  })
}

describe('startHost options', () => {
  test('needs at least one backend and distinct names', async () => {
    await expect(startHost({ backends: [] })).rejects.toThrow(TypeError)
    await expect(startHost({ backends: [stub('a'), stub('a')] })).rejects.toThrow(TypeError)
  })

  test('refuses limits that are not positive integers', async () => {
    await expect(startHost({ backends: [stub('a')], maxMessageBytes: 0 })).rejects.toThrow(
      RangeError,
    )
    await expect(startHost({ backends: [stub('a')], promptsPerMinute: 1.5 })).rejects.toThrow(
      'promptsPerMinute',
    )
  })

  test('rejects when the port is taken', async () => {
    await using first = await startHost({ backends: [stub('a')] })
    await expect(startHost({ backends: [stub('a')], port: first.port })).rejects.toThrow()
  })

  test('close is idempotent and the URL brackets an IPv6 host', async (context) => {
    context.skip(!(await canListenOnIpv6Loopback()), 'no IPv6 loopback (::1) on this machine')
    await using host = await startHost({ backends: [stub('a')], host: '::1' })
    expect(host.url).toBe(`http://[::1]:${host.port}`)
    await Promise.all([host.close(), host.close()])
  })
})
