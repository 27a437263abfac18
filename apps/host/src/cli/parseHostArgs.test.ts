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
      rpcUrl: undefined,
      contractsFile: undefined,
      apiUrl: undefined,
      priceNative: 2000n,
      priceUsdc: undefined,
      allowedOrigins: [],
      help: false,
    })
  })

  test('--allowed-origin is repeatable and checked', () => {
    expect(
      parseHostArgs([
        '--model',
        'a/b',
        '--allowed-origin',
        'https://app.example',
        '--allowed-origin',
        '*',
      ]).allowedOrigins,
    ).toEqual(['https://app.example', '*'])
    for (const bad of ['app.example', 'ftp://app.example', 'http://[']) {
      expect(() => parseHostArgs(['--model', 'a/b', '--allowed-origin', bad])).toThrow(
        '--allowed-origin',
      )
    }
  })

  test('chain options', () => {
    expect(
      parseHostArgs([
        '--model',
        'a/b',
        '--rpc-url',
        'http://127.0.0.1:8545',
        '--contracts',
        'devnet.json',
        '--api-url',
        'http://127.0.0.1:8080',
        '--price-native',
        '3000',
        '--price-usdc',
        '5',
      ]),
    ).toMatchObject({
      rpcUrl: 'http://127.0.0.1:8545',
      contractsFile: 'devnet.json',
      apiUrl: 'http://127.0.0.1:8080',
      priceNative: 3000n,
      priceUsdc: 5n,
    })
    const chain = ['--model', 'a', '--rpc-url', 'http://127.0.0.1:8545']
    expect(() => parseHostArgs([...chain, '--dev-accept-any-job'])).toThrow('--rpc-url')
    expect(() => parseHostArgs([...chain, '--insecure-no-auth'])).toThrow('--rpc-url')
    expect(() => parseHostArgs([...chain, '--price-native', '0'])).toThrow('--price-native')
    expect(() => parseHostArgs([...chain, '--price-usdc', '1.5'])).toThrow('--price-usdc')
    expect(() => parseHostArgs(['--model', 'a', '--rpc-url', 'nope'])).toThrow('--rpc-url')
    expect(() => parseHostArgs(['--model', 'a', '--api-url', 'nope'])).toThrow('--api-url')
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
        '--allowed-origin',
        'https://app.example',
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
      rpcUrl: undefined,
      contractsFile: undefined,
      apiUrl: undefined,
      priceNative: 2000n,
      priceUsdc: undefined,
      allowedOrigins: ['https://app.example'],
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
