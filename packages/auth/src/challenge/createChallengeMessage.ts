import type { Address } from '@fabstir/protocol'
import { assertChainId, jobIdString, lowercaseAddress, namePattern } from '../internal/validate.js'

/** Options of {@link createChallengeMessage}. */
export type CreateChallengeMessageOptions = {
  /** The host's address. */
  hostAddress: Address
  /** The on-chain job id the client deposited for. */
  jobId: string | bigint
  chainId: number
  /** The host's one-time nonce: 1 to 128 of `A–Z a–z 0–9 . _ : -`. */
  nonce: string
  /** When the challenge expires, in milliseconds since the epoch. */
  expiresAt: number
}

/** What {@link createChallengeMessage} throws. */
export type CreateChallengeMessageErrorType = TypeError | RangeError

/**
 * The exact text a client signs with its wallet (EIP-191 `personal_sign`) to prove it deposited
 * for a job (PROTOCOL.md §3). The host creates it for `/v1/auth/challenge` and recovers the
 * signer from the signature with {@link recoverChallengeSigner}; a client may rebuild it from the
 * challenge's fields and compare before it signs. Lines are joined with `\n`, the address is
 * lowercase, the expiry is ISO 8601 in UTC:
 *
 * ```text
 * Fabstir session authentication
 *
 * Sign to prove you deposited for this job. This does not send a transaction or cost gas.
 *
 * Protocol: fabstir/1
 * Host: 0x1111111111111111111111111111111111111111
 * Chain ID: 84532
 * Job ID: 42
 * Nonce: n-0123456789abcdef
 * Expires At: 2026-01-01T00:05:00.000Z
 * ```
 *
 * @param options - host, job, chain, nonce and expiry.
 * @returns the message text.
 * @throws {TypeError} for a malformed address, job id or nonce.
 * @throws {RangeError} for a chain id or expiry out of range.
 * @example
 * ```ts
 * import { createChallengeMessage } from '@fabstir/auth'
 *
 * const message = createChallengeMessage({
 *   hostAddress: '0x1111111111111111111111111111111111111111',
 *   jobId: '42',
 *   chainId: 84532,
 *   nonce: 'n-0123456789abcdef',
 *   expiresAt: Date.now() + 5 * 60_000,
 * })
 * ```
 */
export function createChallengeMessage({
  hostAddress,
  jobId,
  chainId,
  nonce,
  expiresAt,
}: CreateChallengeMessageOptions): string {
  const host = lowercaseAddress(hostAddress, 'hostAddress')
  const job = jobIdString(jobId)
  assertChainId(chainId)
  if (typeof nonce !== 'string' || !namePattern.test(nonce)) {
    throw new TypeError('nonce must be 1 to 128 of A-Z a-z 0-9 . _ : -')
  }
  if (!Number.isSafeInteger(expiresAt) || expiresAt < 0 || expiresAt > 8.64e15) {
    throw new RangeError('expiresAt must be milliseconds since the epoch')
  }
  return [
    'Fabstir session authentication',
    '',
    'Sign to prove you deposited for this job. This does not send a transaction or cost gas.',
    '',
    'Protocol: fabstir/1',
    `Host: ${host}`,
    `Chain ID: ${chainId}`,
    `Job ID: ${job}`,
    `Nonce: ${nonce}`,
    `Expires At: ${new Date(expiresAt).toISOString()}`,
  ].join('\n')
}
