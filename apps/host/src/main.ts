#!/usr/bin/env node
import { createEmbeddedBackend } from './backends/embedded.js'
// The `fabstir-host` command: serves one model with the embedded n-gram model or an
// OpenAI-compatible server behind it. Run `node apps/host/dist/main.js --help`.
import type { ModelBackend } from './backends/ModelBackend.js'
import { createOpenAICompatibleBackend } from './backends/openAICompatible.js'
import { createStderrLogger } from './cli/createStderrLogger.js'
import { hostUsage, parseHostArgs } from './cli/parseHostArgs.js'
import { startHost } from './startHost.js'

async function main(): Promise<void> {
  let args: ReturnType<typeof parseHostArgs>
  try {
    args = parseHostArgs(process.argv.slice(2))
  } catch (error) {
    process.stderr.write(
      `${error instanceof Error ? error.message : String(error)}\n\n${hostUsage}`,
    )
    process.exitCode = 2
    return
  }
  if (args.help) {
    process.stdout.write(hostUsage)
    return
  }
  const logger = createStderrLogger()
  if (!args.insecureNoAuth) {
    logger.warn(
      'authentication is not implemented yet: without --insecure-no-auth every session is refused with AUTH_REQUIRED',
    )
  } else {
    logger.warn('serving WITHOUT authentication (--insecure-no-auth): keep this host off networks')
  }
  const backend: ModelBackend =
    args.openaiUrl === undefined
      ? createEmbeddedBackend({ name: args.model, tokenDelayMs: args.tokenDelayMs })
      : createOpenAICompatibleBackend({ baseUrl: args.openaiUrl, model: args.model })
  const host = await startHost({
    backends: [backend],
    port: args.port,
    host: args.host,
    insecureNoAuth: args.insecureNoAuth,
    logger,
  })
  process.stdout.write(`${host.url}\n`)

  const shutdown = async (signal: string) => {
    logger.info('shutting down', { signal })
    await host.close()
    await backend.close?.()
  }
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      shutdown(signal).then(
        () => process.exit(0),
        (error: unknown) => {
          logger.error('shutdown failed', { error: String(error) })
          process.exit(1)
        },
      )
    })
  }
}

await main().catch((error: unknown) => {
  process.stderr.write(`fabstir-host: ${error instanceof Error ? error.message : String(error)}\n`)
  process.exitCode = 1
})
