import { expect, test } from 'vitest'
import * as protocol from './index.js'

test('public surface', () => {
  expect(Object.keys(protocol).sort()).toMatchInlineSnapshot(`
    [
      "FabstirError",
      "ProtocolError",
      "assertTimeoutMs",
      "canonicalJson",
      "compressFrame",
      "compressionCodes",
      "compressionThresholdBytes",
      "deadlineSignal",
      "decodeClientMessage",
      "decodeHostMessage",
      "decodeHttpBody",
      "decompressFrame",
      "defaultMaxMessageBytes",
      "encodeMessage",
      "errorCodes",
      "httpStatusForCode",
      "isAbortError",
      "isErrorCode",
      "negotiateCompression",
      "nextTranscriptHead",
      "protocolVersion",
      "raceSignal",
      "signingBytes",
      "supportedCompression",
      "timeoutReason",
      "transcriptGenesis",
    ]
  `)
})
