#!/usr/bin/env node
// The `devnet` command: starts a local chain with the Fabstir contracts, prints its addresses
// and test accounts as JSON (and writes them to --out), and runs until interrupted.
import { writeFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { startDevnet } from './startDevnet.js'

const usage = `Usage: devnet [--port 8545] [--out devnet.json]

Starts anvil on 127.0.0.1, deploys and wires the Fabstir contracts, mints test FAB and USDC,
approves the test models, prints the result as JSON and runs until Ctrl-C.
The accounts' private keys are anvil's public test keys: never use them on a real chain.
`

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '8545' },
    out: { type: 'string' },
    help: { type: 'boolean', default: false },
  },
})
if (values.help) {
  process.stdout.write(usage)
  process.exit(0)
}
const port = Number(values.port)
if (!Number.isInteger(port) || port < 0 || port > 65_535) {
  process.stderr.write(`--port must be a port number\n\n${usage}`)
  process.exit(2)
}

const devnet = await startDevnet({ port })
const description = JSON.stringify(
  {
    rpcUrl: devnet.rpcUrl,
    chainId: devnet.chainId,
    contracts: devnet.contracts,
    accounts: devnet.accounts,
    models: devnet.models,
  },
  null,
  2,
)
if (values.out !== undefined) writeFileSync(values.out, `${description}\n`)
process.stdout.write(`${description}\n`)

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    devnet.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    )
  })
}
