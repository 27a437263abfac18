import { FabstirError } from '@fabstir/protocol'
import { expect, test } from 'vitest'
import { ConnectionError } from './connection.js'
import { HostError } from './host.js'
import { HttpError } from './http.js'
import { SessionError } from './session.js'
import { StreamError } from './stream.js'

test('each family extends FabstirError with a literal name and is recognised by isInstance', () => {
  const errors = [
    new ConnectionError('CONNECT_FAILED', 'x', { sessionId: '1' }),
    new HostError('UNAVAILABLE', 'x'),
    new HttpError('HTTP_ERROR', 'x', { status: 418 }),
    new SessionError('SESSION_UNKNOWN', 'x'),
    new StreamError('STREAM_CLOSED', 'x'),
  ]
  for (const error of errors) expect(FabstirError.isInstance(error)).toBe(true)
  expect(errors.map((error) => error.name)).toEqual([
    'ConnectionError',
    'HostError',
    'HttpError',
    'SessionError',
    'StreamError',
  ])
  expect(errors.map((error) => error.isRetryable)).toEqual([true, true, false, false, false])
  expect(ConnectionError.isInstance(errors[1])).toBe(false)
  expect(HostError.isInstance(errors[0])).toBe(false)
  expect(HttpError.isInstance(errors[0])).toBe(false)
  expect(SessionError.isInstance(errors[0])).toBe(false)
  expect(StreamError.isInstance(errors[0])).toBe(false)
  // Recognised across copies: a plain object with the marker and name.
  const foreign = Object.assign(Object.create(null), {
    [Symbol.for('fabstir.error')]: true,
    name: 'HostError',
  })
  expect(HostError.isInstance(foreign)).toBe(true)
})

test('HostError.fromMessage keeps the code, ids, retry hint and the host message as details', () => {
  const error = HostError.fromMessage({
    type: 'error',
    session_id: '1',
    request_id: 'r',
    code: 'RATE_LIMITED',
    message: 'slow down',
    retry_after_ms: 250,
    fatal: false,
  })
  expect(error).toMatchObject({
    code: 'RATE_LIMITED',
    sessionId: '1',
    requestId: 'r',
    retryAfterMs: 250,
    fatal: false,
    isRetryable: true,
    details: 'slow down',
  })
  const bare = HostError.fromMessage({
    type: 'error',
    code: 'AUTH_FAILED',
    message: 'no',
    fatal: true,
  })
  expect(bare).toMatchObject({
    sessionId: undefined,
    requestId: undefined,
    retryAfterMs: undefined,
    fatal: true,
    isRetryable: false,
  })
})
