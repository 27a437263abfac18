import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createDevnetClients, startDevnet } from '@fabstir/devnet'
import { webSocket } from '@fabstir/sdk/node'
import { formatEther } from 'viem'
import { hostCommand } from './hostCommand.js'
import { runPaidSession } from './runPaidSession.js'
import { spawnHost } from './spawnHost.js'

/**
 * The demo's second part: a paid session on a local chain. The host registers itself, the user
 * deposits, streams, the host proves its work, the user completes the job and the deposit
 * settles. Prints as it goes; resolves whether the settlement matched the tokens used.
 */
export async function demoPaidSession(model: string): Promise<boolean> {
  const started = performance.now()
  await using devnet = await startDevnet()
  const folder = mkdtempSync(join(tmpdir(), 'fabstir-demo-'))
  const contractsFile = join(folder, 'devnet.json')
  writeFileSync(contractsFile, JSON.stringify({ contracts: devnet.contracts }))
  const [hostAccount] = devnet.accounts.hosts
  const [userAccount] = devnet.accounts.users
  if (!hostAccount || !userAccount) throw new Error('devnet accounts missing')
  const price = 2000n
  await using host = await spawnHost({
    command: hostCommand(),
    args: ['--model', model, '--rpc-url', devnet.rpcUrl, '--contracts', contractsFile],
    env: { FABSTIR_HOST_PRIVATE_KEY: hostAccount.privateKey },
  })
  console.log(
    `local chain ${devnet.rpcUrl} (contracts deployed in ${Math.round(performance.now() - started)} ms); ` +
      `host ${hostAccount.address} at ${host.url} registered itself: 1000 FAB staked, ` +
      `${price} wei per 1000 tokens\n`,
  )
  const user = createDevnetClients(devnet, userAccount)
  const deposit = 10n ** 15n
  // Checkpoints can overtake the text still being printed: show them after their answer.
  const notes: string[] = []
  const flush = () => {
    if (notes.length > 0) process.stdout.write(`\n${notes.splice(0).join('\n')}`)
  }
  try {
    const report = await runPaidSession({
      publicClient: user.publicClient,
      walletClient: user.walletClient,
      addresses: devnet.contracts,
      host: { address: hostAccount.address, url: host.url },
      model,
      prompts: [
        'What did the Mock Turtle say?',
        'And the Gryphon?',
        'Where did the Lobster Quadrille take place?',
        'How did the trial end?',
      ],
      deposit,
      inference: { webSocket },
      onTurn: (turn, prompt) => {
        flush()
        if (turn > 0) process.stdout.write('\n\n')
        process.stdout.write(`you: ${prompt}\nhost: `)
      },
      onText: (text) => process.stdout.write(text),
      onCheckpoint: (checkpoint, verified) =>
        notes.push(
          `[proof ${checkpoint.index} on chain: ${checkpoint.tokens_claimed} tokens, ` +
            `${checkpoint.cumulative_tokens} in all; checkpoint signature ` +
            `${verified ? 'verified' : 'INVALID'}]`,
        ),
    })
    flush()
    const { settlement } = report
    const expected = (report.settlement.tokensUsed * report.pricePerToken) / 1000n
    console.log(
      `\n\njob ${report.jobId}: deposit ${formatEther(deposit)} ETH; ${report.usedTokens} tokens used, ` +
        `${report.provenTokens.length} proofs on chain covering ${settlement.tokensUsed} ` +
        '(a tail under 100 tokens cannot be proven)\n' +
        `settled: host paid ${settlement.paid} wei (${settlement.hostEarnings} to the host, ` +
        `${settlement.fee} fee), ${settlement.refunded} wei refunded`,
    )
    return settlement.paid === expected && settlement.refunded === deposit - expected
  } finally {
    rmSync(folder, { recursive: true, force: true })
  }
}
