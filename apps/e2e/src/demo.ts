import { runRoundTrip } from './roundTrip.js'

const report = runRoundTrip([
  'What does a host keep between prompts?',
  'And what does the client keep?',
  'Who can take over the conversation?',
])

console.log(`fabstir/1 round trip, compression negotiated: ${report.compression ?? 'none'}\n`)
for (const turn of report.turns) {
  console.log(`> ${turn.prompt}\n< ${turn.reply}\n  transcript head ${turn.transcriptHead}`)
}
const saved = 1 - report.resume.frameBytes / report.resume.jsonBytes
console.log(
  `\nsession_resume carrying the conversation 20 times over (${report.turns.length * 40} messages, ` +
    `repetitive, so it compresses far better than real text): ${report.resume.jsonBytes} bytes of JSON, ` +
    `${report.resume.frameBytes} on the wire (${(saved * 100).toFixed(1)} % saved)`,
)
console.log(
  `malformed prompt answered with error ${report.rejected.code}: ${report.rejected.message}`,
)
