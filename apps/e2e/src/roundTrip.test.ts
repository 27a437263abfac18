import { expect, test } from 'vitest'
import { errorReplyFor, runRoundTrip } from './roundTrip.js'

test('a conversation survives the wire both ways with matching transcript heads', () => {
  const report = runRoundTrip(['first question', 'second question'])
  expect(report.compression).toBe('gzip')
  expect(report.turns.map((turn) => turn.reply)).toEqual(['FIRST QUESTION', 'SECOND QUESTION'])
  const heads = new Set(report.turns.map((turn) => turn.transcriptHead))
  expect(heads.size).toBe(2)
  expect(report.resume.frameBytes).toBeLessThan(report.resume.jsonBytes)
  expect(report.rejected.code).toBe('BAD_MESSAGE')
  expect(report.rejected.message).toContain('message_index')
})

test('without a common compression every message stays text', () => {
  const report = runRoundTrip(['only question'], { offer: ['zstd'] })
  expect(report.compression).toBeNull()
  expect(report.resume.frameBytes).toBe(report.resume.jsonBytes)
})

test('a well-formed message gets no error reply', () => {
  expect(errorReplyFor('{"type":"ping","session_id":"1","message_index":1,"ts":0}')).toEqual({
    code: 'none',
    message: 'accepted',
  })
})
