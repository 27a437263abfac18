import { privateKeyToAccount } from 'viem/accounts'
import { expect, test } from 'vitest'
import { createChallengeMessage } from './createChallengeMessage.js'
import { recoverChallengeSigner } from './recoverChallengeSigner.js'

const options = {
  hostAddress: '0x1111111111111111111111111111111111111111',
  jobId: '42',
  chainId: 84532,
  nonce: 'n-0123456789abcdef',
  expiresAt: Date.UTC(2026, 0, 1, 0, 5),
} as const

const wallet = privateKeyToAccount(`0x${'11'.repeat(32)}`)

test('the challenge text is exactly as documented', () => {
  expect(createChallengeMessage(options)).toBe(
    [
      'Fabstir session authentication',
      '',
      'Sign to prove you deposited for this job. This does not send a transaction or cost gas.',
      '',
      'Protocol: fabstir/1',
      'Host: 0x1111111111111111111111111111111111111111',
      'Chain ID: 84532',
      'Job ID: 42',
      'Nonce: n-0123456789abcdef',
      'Expires At: 2026-01-01T00:05:00.000Z',
    ].join('\n'),
  )
  // the same text whatever the address case or job id type
  expect(
    createChallengeMessage({
      ...options,
      hostAddress: '0x1111111111111111111111111111111111111111'
        .toUpperCase()
        .replace('0X', '0x') as `0x${string}`,
      jobId: 42n,
    }),
  ).toBe(createChallengeMessage(options))
})

test('the host recovers the wallet that signed the challenge (EIP-191)', async () => {
  const message = createChallengeMessage(options)
  const signature = await wallet.signMessage({ message })
  expect(await recoverChallengeSigner({ message, signature })).toBe(wallet.address)
  // another text recovers another address: the host's comparison fails closed
  const other = createChallengeMessage({ ...options, jobId: '43' })
  expect(await recoverChallengeSigner({ message: other, signature })).not.toBe(wallet.address)
})

test('malformed signatures are AUTH_FAILED', async () => {
  const message = createChallengeMessage(options)
  for (const signature of ['0x', '0x1234', `0x${'zz'.repeat(65)}`]) {
    await expect(
      recoverChallengeSigner({ message, signature: signature as `0x${string}` }),
    ).rejects.toMatchObject({ name: 'AuthError', code: 'AUTH_FAILED' })
  }
  await expect(
    recoverChallengeSigner({ message, signature: `0x${'00'.repeat(64)}05` }),
  ).rejects.toMatchObject({ code: 'AUTH_FAILED' })
  await expect(
    recoverChallengeSigner({ message: '', signature: `0x${'00'.repeat(65)}` }),
  ).rejects.toMatchObject({
    code: 'AUTH_FAILED',
  })
})

test('inputs are checked', () => {
  expect(() => createChallengeMessage({ ...options, hostAddress: '0x12' })).toThrow(TypeError)
  expect(() => createChallengeMessage({ ...options, jobId: '0' })).toThrow(TypeError)
  expect(() => createChallengeMessage({ ...options, chainId: -1 })).toThrow(RangeError)
  expect(() => createChallengeMessage({ ...options, nonce: 'has space' })).toThrow(TypeError)
  expect(() => createChallengeMessage({ ...options, nonce: 'line\nbreak' })).toThrow(TypeError)
  expect(() => createChallengeMessage({ ...options, expiresAt: 1.5 })).toThrow(RangeError)
})
