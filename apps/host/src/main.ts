#!/usr/bin/env node
import { NATIVE_TOKEN } from '@fabstir/contracts'
import { createDevelopmentJobVerifier } from './auth/createDevelopmentJobVerifier.js'
import { createEmbeddedBackend } from './backends/embedded.js'
// The `fabstir-host` command: serves one model with the embedded n-gram model or an
// OpenAI-compatible server behind it. Run `node apps/host/dist/main.js --help`.
import type { ModelBackend } from './backends/ModelBackend.js'
import { createOpenAICompatibleBackend } from './backends/openAICompatible.js'
import { registerHost } from './chain/registerHost.js'
import { connectChainFromArgs } from './cli/connectChainFromArgs.js'
import { createStderrLogger } from './cli/createStderrLogger.js'
import { hostUsage, parseHostArgs } from './cli/parseHostArgs.js'
import { modelId } from './modelId.js'
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
  } else if (!args.devAcceptAnyJob && args.rpcUrl === undefined) {
    logger.warn(
      'no job verifier: /v1/auth/token answers UNAVAILABLE; pass --rpc-url to serve jobs on chain, or --dev-accept-any-job for development',
    )
  }
  const chain =
    args.rpcUrl === undefined
      ? undefined
      : await connectChainFromArgs(args.rpcUrl, args.contractsFile)
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
    allowedOrigins: args.allowedOrigins,
    ...(args.hostAddress === undefined ? {} : { hostAddress: args.hostAddress }),
    ...(chain === undefined ? {} : { chain }),
    logger,
  })
  if (chain !== undefined) {
    const { registered, transactions } = await registerHost({
      ...chain,
      metadata: { ed25519PublicKey: host.publicKey, name: 'fabstir-host' },
      apiUrl: args.apiUrl ?? host.url,
      models: [
        {
          id: modelId(args.model),
          prices: [
            { token: NATIVE_TOKEN, price: args.priceNative },
            ...(args.priceUsdc === undefined
              ? []
              : [{ token: chain.addresses.usdcToken, price: args.priceUsdc }]),
          ],
        },
      ],
    }).catch(async (error: unknown) => {
      await host.close()
      throw error
    })
    logger.info(registered ? 'registered on chain' : 'registration up to date', {
      address: chain.walletClient.account.address,
      transactions: transactions.length,
    })
  }
  // Printed once the host can be found and paid: scripts wait for this line.
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
