import { describe, expect, test } from 'vitest'
import { rejection } from '../../test/helpers.js'
import { decodeHttpBody } from '../decode.js'
import type { HttpBodyName } from './http.js'

const hex32 = `0x${'ab'.repeat(32)}`
const address = `0x${'aB3d'.repeat(10)}`
const usage = { prompt_tokens: 12, completion_tokens: 30, total_tokens: 42 }
const context = [
  { role: 'system', content: 'Be brief.' },
  { role: 'user', content: 'Hi' },
  { role: 'assistant', content: 'Hello!' },
]

type Case = { name: HttpBodyName; label: string; body: Record<string, unknown> }

const c = (name: HttpBodyName, body: Record<string, unknown>, label = 'full'): Case => ({
  name,
  label,
  body,
})

/** A valid body of every name and variant, with every optional field where there are any. */
const valid: Case[] = [
  c('health', { status: 'ok', version: '0.1.0', uptime_s: 12, active_sessions: 3 }, 'ok'),
  c('health', { status: 'unavailable', reason: 'syncing the chain' }, 'unavailable'),
  c('version', {
    version: '0.1.0',
    protocol: 'fabstir/1',
    features: ['compression', 'signing'],
    chain_ids: [84532, 8453],
    host_address: address,
    ed25519_public_key: hex32,
  }),
  c('models', {
    models: [
      {
        id: hex32,
        name: 'TheBloke/Llama-2-7B-GGUF/llama-2-7b.Q4_K_M.gguf',
        context_window: 4096,
        prices: [
          { token: '0x0', price_per_token: '2000' },
          { token: address, price_per_token: '0' },
        ],
      },
    ],
  }),
  c('authChallengeRequest', { job_id: '42', chain_id: 84532, address }),
  c('authChallengeResponse', {
    nonce: 'n-0f3a',
    message: 'Sign in to host 0x… for job 42',
    expires_at: 1_700_000_000_000,
  }),
  c('authTokenRequest', {
    job_id: '42',
    chain_id: 84532,
    address,
    nonce: 'n-0f3a',
    signature: `0x${'11'.repeat(65)}`,
    session_public_key: hex32,
    permissions: ['inference', 'resume', 'export', 'admin'],
  }),
  c('authTokenResponse', { token: 'a.b.c', expires_at: 1_700_000_900_000, host_public_key: hex32 }),
  c('authRefreshResponse', { token: 'a.b.c', expires_at: 1_700_000_900_000 }),
  c('inferenceRequest', {
    model: 'repo/model.gguf',
    prompt: 'Why is the sky blue?',
    max_tokens: 256,
    temperature: 0.7,
    conversation_context: context,
    stream: true,
  }),
  c('inferenceResponse', { content: 'Rayleigh scattering.', finish_reason: 'stop', usage }),
  c('inferenceEvent', { type: 'stream_chunk', seq: 0, content: 'Ray', tokens: 1 }, 'stream_chunk'),
  c(
    'inferenceEvent',
    { type: 'response', content: 'Rayleigh.', finish_reason: 'length', usage },
    'response',
  ),
  c(
    'inferenceEvent',
    { type: 'error', code: 'RATE_LIMITED', message: 'Slow down', retry_after_ms: 500 },
    'error',
  ),
  c('error', {
    error: { code: 'RATE_LIMITED', message: 'Slow down', retry_after_ms: 500, details: { n: 1 } },
  }),
]

/** Bodies with their optional fields left out. */
const minimal: Case[] = [
  c('models', { models: [] }, 'no models'),
  c(
    'authTokenRequest',
    {
      job_id: '1',
      chain_id: 1,
      address,
      nonce: 'n',
      signature: '0x00',
      session_public_key: hex32,
    },
    'without permissions',
  ),
  c('authTokenRequest', { ...bodyOf('authTokenRequest'), permissions: [] }, 'no permissions'),
  c('inferenceRequest', { model: 'm', prompt: '', max_tokens: 1 }, 'minimal'),
  c('inferenceEvent', { type: 'error', code: 'INTERNAL', message: '' }, 'minimal error'),
  c('error', { error: { code: 'BAD_MESSAGE', message: 'Invalid' } }, 'minimal'),
  c('version', { ...bodyOf('version'), features: [], chain_ids: [] }, 'empty lists'),
]

function bodyOf(name: HttpBodyName): Record<string, unknown> {
  const found = valid.find((entry) => entry.name === name)
  if (found === undefined) throw new Error(`no fixture for ${name}`)
  return found.body
}

const encoder = new TextEncoder()

describe('valid HTTP bodies', () => {
  test.each([...valid, ...minimal])('$name ($label) decodes from text, bytes and JSON', (row) => {
    const text = JSON.stringify(row.body)
    const bytes = encoder.encode(text)
    expect(decodeHttpBody(row.name, text)).toStrictEqual(row.body)
    expect(decodeHttpBody(row.name, bytes)).toStrictEqual(row.body)
    expect(decodeHttpBody(row.name, bytes.buffer)).toStrictEqual(row.body)
    expect(decodeHttpBody(row.name, { json: row.body })).toStrictEqual(row.body)
    expect(decodeHttpBody(row.name, { json: JSON.parse(text) })).toStrictEqual(row.body)
  })

  test.each(valid)('$name ($label) keeps unknown fields', (row) => {
    const body = { ...row.body, x_future: { nested: [1] } }
    expect(decodeHttpBody(row.name, JSON.stringify(body))).toStrictEqual(body)
  })

  test('the names cover every HTTP body', () => {
    expect(new Set(valid.map((row) => row.name)).size).toBe(12)
  })

  test('price_per_token up to 2^256-1', () => {
    const price = (2n ** 256n - 1n).toString()
    const body = { models: [{ ...modelOf(), prices: [{ token: '0x0', price_per_token: price }] }] }
    expect(decodeHttpBody('models', { json: body })).toStrictEqual(body)
  })
})

function modelOf(): Record<string, unknown> {
  return (bodyOf('models').models as Record<string, unknown>[])[0] as Record<string, unknown>
}

const missing = Symbol('missing')

type Rejection = [name: HttpBodyName, why: string, body: unknown, path: string]

const replace = (name: HttpBodyName, patch: Record<string, unknown>): Record<string, unknown> => {
  const body: Record<string, unknown> = { ...bodyOf(name), ...patch }
  for (const [key, value] of Object.entries(patch)) {
    if (value === missing) Reflect.deleteProperty(body, key)
  }
  return body
}

const price = (value: unknown, token: unknown = '0x0') => ({
  models: [{ ...modelOf(), prices: [{ token, price_per_token: value }] }],
})

const rejections: Rejection[] = [
  ['health', 'unknown status', { status: 'fine' }, 'status'],
  ['health', 'no status', { version: '1' }, 'status'],
  ['health', 'numeric status', { status: 200 }, 'status'],
  ['health', 'ok without uptime_s', { status: 'ok', version: '1', active_sessions: 0 }, 'uptime_s'],
  [
    'health',
    'negative active_sessions',
    { status: 'ok', version: '1', uptime_s: 0, active_sessions: -1 },
    'active_sessions',
  ],
  ['health', 'unavailable without reason', { status: 'unavailable' }, 'reason'],
  ['health', 'numeric reason', { status: 'unavailable', reason: 5 }, 'reason'],
  ['health', 'an array', [], 'status'],
  ...(['fabstir/2', 'fabstir/1 ', 'FABSTIR/1', 1] as const).map(
    (value): Rejection => [
      'version',
      `protocol ${value}`,
      replace('version', { protocol: value }),
      'protocol',
    ],
  ),
  ['version', 'no protocol', replace('version', { protocol: missing }), 'protocol'],
  ['version', 'features a string', replace('version', { features: 'x' }), 'features'],
  ['version', 'numeric feature', replace('version', { features: [5] }), 'features.0'],
  ['version', 'chain id 0', replace('version', { chain_ids: [1, 0] }), 'chain_ids.1'],
  ['version', 'chain ids of strings', replace('version', { chain_ids: ['1'] }), 'chain_ids.0'],
  ...[
    `0x${'a'.repeat(39)}`,
    `0x${'a'.repeat(41)}`,
    'a'.repeat(40),
    `0x${'z'.repeat(40)}`,
    '0x0',
  ].map(
    (value): Rejection => [
      'version',
      `host_address ${value}`,
      replace('version', { host_address: value }),
      'host_address',
    ],
  ),
  [
    'version',
    '31-byte ed25519_public_key',
    replace('version', { ed25519_public_key: `0x${'a'.repeat(62)}` }),
    'ed25519_public_key',
  ],
  ['models', 'no models', {}, 'models'],
  ['models', 'models an object', { models: {} }, 'models'],
  ['models', 'bad id', { models: [{ ...modelOf(), id: '0x1' }] }, 'models.0.id'],
  ['models', 'empty name', { models: [{ ...modelOf(), name: '' }] }, 'models.0.name'],
  [
    'models',
    'context_window 0',
    { models: [{ ...modelOf(), context_window: 0 }] },
    'models.0.context_window',
  ],
  ...['-1', '1.5', '01', '', ' 1', '1e3', '0x10', (2n ** 256n).toString(), '1'.repeat(79), 1].map(
    (value): Rejection => [
      'models',
      `price_per_token ${JSON.stringify(value).slice(0, 12)}`,
      price(value),
      'models.0.prices.0.price_per_token',
    ],
  ),
  ...['0x00', '0x', `0x${'a'.repeat(39)}`, 0].map(
    (token): Rejection => [
      'models',
      `price token ${token}`,
      price('1', token),
      'models.0.prices.0.token',
    ],
  ),
  ...(['authChallengeRequest', 'authTokenRequest'] as const).flatMap((name): Rejection[] => [
    [name, 'job_id 0', replace(name, { job_id: '0' }), 'job_id'],
    [name, 'numeric job_id', replace(name, { job_id: 42 }), 'job_id'],
    [name, 'chain_id 0', replace(name, { chain_id: 0 }), 'chain_id'],
    [name, 'string chain_id', replace(name, { chain_id: '1' }), 'chain_id'],
    [name, 'short address', replace(name, { address: `0x${'a'.repeat(38)}` }), 'address'],
    [name, 'no address', replace(name, { address: missing }), 'address'],
  ]),
  ...[
    ['', 'empty'],
    ['a b', 'space'],
    ['n'.repeat(129), '129 characters'],
  ].flatMap(([value, why]): Rejection[] => [
    [
      'authChallengeResponse',
      `nonce ${why}`,
      replace('authChallengeResponse', { nonce: value }),
      'nonce',
    ],
    ['authTokenRequest', `nonce ${why}`, replace('authTokenRequest', { nonce: value }), 'nonce'],
  ]),
  [
    'authChallengeResponse',
    'message of 4097 characters',
    replace('authChallengeResponse', { message: 'm'.repeat(4097) }),
    'message',
  ],
  [
    'authChallengeResponse',
    'negative expires_at',
    replace('authChallengeResponse', { expires_at: -1 }),
    'expires_at',
  ],
  ...['0x', '0x123', 'abcd', '0xzz', `0x${'ab'.repeat(2049)}`, 12].map(
    (value): Rejection => [
      'authTokenRequest',
      `signature ${String(value).slice(0, 8)}`,
      replace('authTokenRequest', { signature: value }),
      'signature',
    ],
  ),
  [
    'authTokenRequest',
    'bad session_public_key',
    replace('authTokenRequest', { session_public_key: `0x${'ab'.repeat(33)}` }),
    'session_public_key',
  ],
  [
    'authTokenRequest',
    'unknown permission',
    replace('authTokenRequest', { permissions: ['inference', 'root'] }),
    'permissions.1',
  ],
  [
    'authTokenRequest',
    'permissions a string',
    replace('authTokenRequest', { permissions: 'inference' }),
    'permissions',
  ],
  [
    'authTokenRequest',
    'five permissions',
    replace('authTokenRequest', {
      permissions: ['inference', 'resume', 'export', 'admin', 'admin'],
    }),
    'permissions',
  ],
  ...(['authTokenResponse', 'authRefreshResponse'] as const).flatMap((name): Rejection[] => [
    [name, 'empty token', replace(name, { token: '' }), 'token'],
    [name, 'token of 16385 characters', replace(name, { token: 't'.repeat(16_385) }), 'token'],
    [name, 'no token', replace(name, { token: missing }), 'token'],
    [name, 'string expires_at', replace(name, { expires_at: '1' }), 'expires_at'],
    [name, 'fractional expires_at', replace(name, { expires_at: 1.5 }), 'expires_at'],
  ]),
  [
    'authTokenResponse',
    'no host_public_key',
    replace('authTokenResponse', { host_public_key: missing }),
    'host_public_key',
  ],
  ['inferenceRequest', 'no model', replace('inferenceRequest', { model: missing }), 'model'],
  ['inferenceRequest', 'numeric prompt', replace('inferenceRequest', { prompt: 5 }), 'prompt'],
  [
    'inferenceRequest',
    'no max_tokens',
    replace('inferenceRequest', { max_tokens: missing }),
    'max_tokens',
  ],
  [
    'inferenceRequest',
    'max_tokens 0',
    replace('inferenceRequest', { max_tokens: 0 }),
    'max_tokens',
  ],
  [
    'inferenceRequest',
    'temperature 2.1',
    replace('inferenceRequest', { temperature: 2.1 }),
    'temperature',
  ],
  [
    'inferenceRequest',
    'temperature -0.1',
    replace('inferenceRequest', { temperature: -0.1 }),
    'temperature',
  ],
  [
    'inferenceRequest',
    'unknown role',
    replace('inferenceRequest', { conversation_context: [{ role: 'tool', content: 'x' }] }),
    'conversation_context.0.role',
  ],
  ['inferenceRequest', 'stream "yes"', replace('inferenceRequest', { stream: 'yes' }), 'stream'],
  [
    'inferenceResponse',
    'unknown finish_reason',
    replace('inferenceResponse', { finish_reason: 'done' }),
    'finish_reason',
  ],
  ['inferenceResponse', 'no usage', replace('inferenceResponse', { usage: missing }), 'usage'],
  [
    'inferenceResponse',
    'negative completion_tokens',
    replace('inferenceResponse', { usage: { ...usage, completion_tokens: -1 } }),
    'usage.completion_tokens',
  ],
  ['inferenceEvent', 'unknown type', { type: 'chunk', seq: 0, content: '', tokens: 0 }, 'type'],
  ['inferenceEvent', 'no type', { seq: 0, content: '', tokens: 0 }, 'type'],
  [
    'inferenceEvent',
    'negative seq',
    { type: 'stream_chunk', seq: -1, content: '', tokens: 0 },
    'seq',
  ],
  [
    'inferenceEvent',
    'chunk without tokens',
    { type: 'stream_chunk', seq: 0, content: '' },
    'tokens',
  ],
  [
    'inferenceEvent',
    'response without usage',
    { type: 'response', content: '', finish_reason: 'stop' },
    'usage',
  ],
  ['inferenceEvent', 'unknown error code', { type: 'error', code: 'NOPE', message: '' }, 'code'],
  ['error', 'no error', {}, 'error'],
  ['error', 'error a string', { error: 'BAD_MESSAGE' }, 'error'],
  ['error', 'unknown code', { error: { code: 'NOPE', message: 'x' } }, 'error.code'],
  ['error', 'no message', { error: { code: 'INTERNAL' } }, 'error.message'],
  [
    'error',
    'negative retry_after_ms',
    { error: { code: 'RATE_LIMITED', message: 'x', retry_after_ms: -1 } },
    'error.retry_after_ms',
  ],
]

describe('malformed HTTP bodies', () => {
  test.each(rejections)('%s: %s', (name, _, body, path) => {
    for (const data of [JSON.stringify(body), { json: body }]) {
      const error = rejection(() => decodeHttpBody(name, data))
      expect(error.shortMessage).toBe(`Invalid ${name} body`)
      expect(error.details?.split(': ')[0]).toBe(path)
    }
  })

  test.each([
    ['not JSON', 'status: ok'],
    ['truncated JSON', '{"status":"ok"'],
    ['empty text', ''],
  ])('%s is a BAD_MESSAGE', (_, text) => {
    expect(rejection(() => decodeHttpBody('health', text)).details).toBe('syntax error')
  })

  test('invalid UTF-8 is a BAD_MESSAGE', () => {
    rejection(() => decodeHttpBody('health', new Uint8Array([0x7b, 0xff, 0x7d])))
  })

  test('JSON that is not an object is a BAD_MESSAGE', () => {
    for (const json of [null, 5, 'ok', [1]]) {
      rejection(() => decodeHttpBody('authRefreshResponse', { json }))
    }
  })

  test.each([
    ['text', JSON.stringify(bodyOf('version'))],
    ['bytes', encoder.encode(JSON.stringify(bodyOf('version')))],
  ])('%s past maxMessageBytes is MESSAGE_TOO_LARGE', (_, data) => {
    expect(decodeHttpBody('version', data, { maxMessageBytes: 1000 })).toBeDefined()
    rejection(() => decodeHttpBody('version', data, { maxMessageBytes: 100 }), 'MESSAGE_TOO_LARGE')
  })

  test('bytes are read as text, never as a compressed frame', () => {
    const bytes = new Uint8Array([0x02, ...encoder.encode('{}')])
    expect(rejection(() => decodeHttpBody('error', bytes)).details).toBe('syntax error')
  })

  test('a mistyped secret never appears in the error', () => {
    const body = replace('authTokenResponse', {
      expires_at: 'sk-SECRET',
      host_public_key: 'sk-SECRET',
    })
    const error = rejection(() => decodeHttpBody('authTokenResponse', JSON.stringify(body)))
    expect(error.message).not.toContain('sk-SECRET')
    expect(JSON.stringify(error.toErrorMessage())).not.toContain('sk-SECRET')
  })
})
