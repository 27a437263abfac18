// Loads the built CommonJS bundle as a CommonJS consumer would (run by `test:build` after the build).
const assert = require('node:assert/strict')
const protocol = require('../dist/index.cjs')

assert.equal(protocol.canonicalJson({ b: 1, a: [true, null] }), '{"a":[true,null],"b":1}')
assert.equal(protocol.signingBytes({ z: 1, sig: 'x' }).length, 7)
const message = { type: 'ping', session_id: '1', message_index: 1, ts: 0 }
assert.deepEqual(protocol.decodeClientMessage(protocol.encodeMessage(message)), message)
assert.match(
  protocol.nextTranscriptHead(
    protocol.transcriptGenesis,
    { ...message, type: 'prompt', request_id: 'r', content: 'hi' },
    { content: 'yo', usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 } },
  ),
  /^0x[0-9a-f]{64}$/,
)
console.log('CommonJS build: ok')
