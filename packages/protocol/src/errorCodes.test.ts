import { expect, test } from 'vitest'
import { isAbortError } from './abort.js'
import { errorCodes, httpStatusForCode, isErrorCode } from './errorCodes.js'

test('HTTP status per PROTOCOL.md §2', () => {
  expect(httpStatusForCode('BAD_MESSAGE')).toBe(400)
  expect(httpStatusForCode('AUTH_REQUIRED')).toBe(401)
  expect(httpStatusForCode('AUTH_FAILED')).toBe(401)
  expect(httpStatusForCode('PERMISSION_DENIED')).toBe(403)
  expect(httpStatusForCode('SESSION_NOT_FOUND')).toBe(404)
  expect(httpStatusForCode('MODEL_UNAVAILABLE')).toBe(404)
  expect(httpStatusForCode('MESSAGE_TOO_LARGE')).toBe(413)
  expect(httpStatusForCode('RATE_LIMITED')).toBe(429)
  expect(httpStatusForCode('UNAVAILABLE')).toBe(503)
  for (const code of errorCodes) expect(httpStatusForCode(code)).toBeGreaterThanOrEqual(400)
})

test('isErrorCode', () => {
  expect(errorCodes).toHaveLength(16)
  expect(errorCodes.every(isErrorCode)).toBe(true)
  expect(isErrorCode('toString')).toBe(false)
  expect(isErrorCode('bad_message')).toBe(false)
  expect(isErrorCode(400)).toBe(false)
})

test('isAbortError', () => {
  expect(isAbortError(new DOMException('stop', 'AbortError'))).toBe(true)
  expect(isAbortError(new DOMException('late', 'TimeoutError'))).toBe(true)
  expect(isAbortError(new Error('x'))).toBe(false)
  expect(isAbortError(undefined)).toBe(false)
})
