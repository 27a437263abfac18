import { webSocket } from '@fabstir/sdk/node'
import { privateKeyToAccount } from 'viem/accounts'
import { demoPaidSession } from './demoPaidSession.js'
import { hostCommand } from './hostCommand.js'
import { runFailover } from './runFailover.js'
import { spawnHost } from './spawnHost.js'

// The main job: two host nodes on this machine, a conversation through the SDK, and the first host
// killed mid-answer; the session moves to the second host with its whole context.
const model = 'fabstir/ngram-trigram.json'
const args = ['--model', model, '--dev-accept-any-job', '--token-delay-ms', '20']
const command = hostCommand()
await using first = await spawnHost({ command, args })
await using second = await spawnHost({ command, args })
const names = new Map([
  [`${first.url.replace(/^http/, 'ws')}/v1/session`, `host A (${first.url})`],
  [`${second.url.replace(/^http/, 'ws')}/v1/session`, `host B (${second.url})`],
])
console.log(
  `host A ${first.url} and host B ${second.url}, each serving ${model}; ` +
    'sessions authenticated (JWT bound to an Ed25519 session key) and signed both ways\n',
)

const prompts = [
  'Who is the White Rabbit?',
  'What did Alice find in the little bottle?',
  'Tell me about the Queen of Hearts.',
  'And what happened at the croquet ground?',
]
const killDuringTurn = 2
// The wallet that deposited the session job (a development key: no chain is involved yet, and the
// hosts accept any job with --dev-accept-any-job).
const account = privateKeyToAccount(
  '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d',
)
const report = await runFailover({
  account,
  hosts: [first, second],
  model,
  prompts,
  killDuringTurn,
  inference: { webSocket },
  onTurn: (turn, prompt) => {
    if (turn > 0) process.stdout.write('\n\n')
    process.stdout.write(`you: ${prompt}\nhost: `)
  },
  onText: (text) => process.stdout.write(text),
})
console.log('\n')

for (const [index, turn] of report.turns.entries()) {
  const killed = index === killDuringTurn ? ' (host A killed mid-answer)' : ''
  console.log(
    `turn ${index + 1}: ${names.get(turn.host) ?? turn.host}${killed}; ` +
      `${turn.usage.completion_tokens} tokens; the host holds ${turn.contextMessages} messages; ` +
      `delivered text ${turn.delivered === turn.content ? 'equals' : 'DIFFERS FROM'} the answer`,
  )
}
console.log(
  `\nfailover: ${report.failoverMs} ms from killing host A to the next text from host B; ` +
    `the client holds ${report.conversation.length} messages; host B's usage at session end: ` +
    `${JSON.stringify(report.usage)}`,
)
const intact = report.turns.every((turn) => turn.delivered === turn.content)
if (!intact) process.exitCode = 1

console.log('\n--- a paid session on a local chain ---\n')
if (!(await demoPaidSession(model))) process.exitCode = 1
