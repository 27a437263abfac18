import { describe, expect, test } from 'vitest'
import { parseHostArgs } from './parseHostArgs.js'

describe('parseHostArgs', () => {
  test('defaults', () => {
    expect(parseHostArgs(['--model', 'a/b'])).toEqual({
      port: 8080,
      host: '127.0.0.1',
      model: 'a/b',
      insecureNoAuth: false,
      devAcceptAnyJob: false,
      hostAddress: undefined,
      openaiUrl: undefined,
      tokenDelayMs: 0,
      help: false,
    })
  })

  test('every option', () => {
    expect(
      parseHostArgs([
        '--port',
        '0',
        '--host',
        '::1',
        '--model=a/b',
        '--insecure-no-auth',
        '--dev-accept-any-job',
        '--host-address',
        `0x${'Ab'.repeat(20)}`,
        '--openai-url',
        'http://127.0.0.1:9000',
        '--token-delay-ms',
        '25',
      ]),
    ).toEqual({
      port: 0,
      host: '::1',
      model: 'a/b',
      insecureNoAuth: true,
      devAcceptAnyJob: true,
      hostAddress: `0x${'Ab'.repeat(20)}`,
      openaiUrl: 'http://127.0.0.1:9000',
      tokenDelayMs: 25,
      help: false,
    })
  })

  test('--help needs no model', () => {
    expect(parseHostArgs(['--help']).help).toBe(true)
  })

  test('refuses a missing model, a bad port or URL, and unknown options', () => {
    expect(() => parseHostArgs([])).toThrow('--model is required')
    expect(() => parseHostArgs(['--model', 'a', '--port', '70000'])).toThrow('--port')
    expect(() => parseHostArgs(['--model', 'a', '--port', 'x'])).toThrow('--port')
    expect(() => parseHostArgs(['--model', 'a', '--openai-url', 'not a url'])).toThrow(
      '--openai-url',
    )
    expect(() => parseHostArgs(['--model', 'a', '--token-delay-ms', '-1'])).toThrow('--token-delay')
    expect(() => parseHostArgs(['--model', 'a', '--host-address', '0x12'])).toThrow(
      '--host-address',
    )
    expect(() => parseHostArgs(['--model', 'a', '--verbose'])).toThrow()
  })
})
