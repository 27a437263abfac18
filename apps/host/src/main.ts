#!/usr/bin/env node
import { createDevelopmentJobVerifier } from './auth/createDevelopmentJobVerifier.js'
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
  if (args.insecureNoAuth) {
    logger.warn('serving WITHOUT authentication (--insecure-no-auth): keep this host off networks')
  } else if (!args.devAcceptAnyJob) {
    logger.warn(
      'no job verifier: /v1/auth/token answers UNAVAILABLE until the on-chain verifier exists; use --dev-accept-any-job for development',
    )
  }
  // The development verifier's own warning is logged by startHost, on stderr.
  const jobVerifier = args.devAcceptAnyJob ? createDevelopmentJobVerifier() : undefined
  const backend: ModelBackend =
    args.openaiUrl === undefined
      ? createEmbeddedBackend({ name: args.model, tokenDelayMs: args.tokenDelayMs })
      : createOpenAICompatibleBackend({ baseUrl: args.openaiUrl, model: args.model })
  const host = await startHost({
    backends: [backend],
    port: args.port,
    host: args.host,
    insecureNoAuth: args.insecureNoAuth,
    jobVerifier,
    ...(args.hostAddress === undefined ? {} : { hostAddress: args.hostAddress }),
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
