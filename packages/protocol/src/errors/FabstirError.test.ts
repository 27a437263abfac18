import { describe, expect, test } from 'vitest'
import { FabstirError } from './FabstirError.js'
import { ProtocolError } from './ProtocolError.js'

describe('FabstirError', () => {
  test('composes the message from short message, context lines and details', () => {
    const error = new FabstirError('SOMETHING', 'It failed', {
      metaMessages: ['Host: http://127.0.0.1:1'],
      details: 'socket closed',
    })
    expect(error.message).toBe('It failed\n\nHost: http://127.0.0.1:1\n\nDetails: socket closed')
    expect(error.shortMessage).toBe('It failed')
    expect(error.code).toBe('SOMETHING')
    expect(error.name).toBe('FabstirError')
    expect(error).toBeInstanceOf(Error)
  })

  test('takes details from the cause and keeps the native cause', () => {
    const cause = new Error('ECONNRESET')
    const error = new FabstirError('X', 'Request failed', { cause })
    expect(error.details).toBe('ECONNRESET')
    expect(error.cause).toBe(cause)
    const outer = new FabstirError('Y', 'Outer', { cause: error })
    expect(outer.details).toBe('ECONNRESET')
    const plain = new FabstirError('Z', 'Plain', { cause: new FabstirError('W', 'Inner short') })
    expect(plain.details).toBe('Inner short')
    expect(new FabstirError('V', 'No cause', { cause: 'text' }).details).toBeUndefined()
  })

  test('walk finds an error in the cause chain, or the deepest cause', () => {
    const root = new Error('root')
    const middle = new ProtocolError('RATE_LIMITED', 'Slow down', { cause: root })
    const top = new FabstirError('TOP', 'Top', { cause: middle })
    expect(top.walk((error) => ProtocolError.isInstance(error))).toBe(middle)
    expect(top.walk((error) => error === root)).toBe(root)
    expect(top.walk(() => false)).toBeNull()
    expect(top.walk()).toBe(root)
    expect(new FabstirError('A', 'Alone').walk()).toBeInstanceOf(FabstirError)
  })

  test('walk stops on a cycle', () => {
    const a = new FabstirError('A', 'a')
    const b = new FabstirError('B', 'b', { cause: a })
    Object.defineProperty(a, 'cause', { value: b })
    expect(b.walk(() => false)).toBeNull()
    expect(b.walk()).toBe(b)
  })

  test('isInstance recognises errors from another copy of the package', () => {
    const foreign = Object.assign(new Error('x'), { [Symbol.for('fabstir.error')]: true })
    expect(FabstirError.isInstance(foreign)).toBe(true)
    expect(FabstirError.isInstance(new Error('x'))).toBe(false)
    expect(FabstirError.isInstance(null)).toBe(false)
    expect(FabstirError.isInstance('BAD_MESSAGE')).toBe(false)
  })
})

describe('ProtocolError', () => {
  test('is a FabstirError with a protocol code', () => {
    const error = new ProtocolError('BAD_MESSAGE', 'Invalid message', { details: 'x: missing' })
    expect(FabstirError.isInstance(error)).toBe(true)
    expect(ProtocolError.isInstance(error)).toBe(true)
    expect(ProtocolError.isInstance(new FabstirError('BAD_MESSAGE', 'other'))).toBe(false)
    expect(error.name).toBe('ProtocolError')
  })

  test('becomes the error message a host sends', () => {
    const error = new ProtocolError('RATE_LIMITED', 'Too many prompts', {
      sessionId: '5',
      requestId: 'r1',
      retryAfterMs: 1500,
    })
    expect(error.toErrorMessage({ fatal: false })).toEqual({
      type: 'error',
      session_id: '5',
      request_id: 'r1',
      code: 'RATE_LIMITED',
      message: 'Too many prompts',
      retry_after_ms: 1500,
      fatal: false,
    })
    const bare = new ProtocolError('INTERNAL', 'Oops', { details: 'd' }).toErrorMessage({
      fatal: true,
    })
    expect(bare).toEqual({ type: 'error', code: 'INTERNAL', message: 'Oops: d', fatal: true })
    expect(new ProtocolError('INTERNAL', 'Oops').toErrorMessage().fatal).toBe(false)
  })
})
