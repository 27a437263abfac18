import type { Address, FabstirError, Hex, Permission } from '@fabstir/protocol'
import { randomBytes } from '@noble/hashes/utils.js'
import { SignJWT } from 'jose'
import { base64urlFromBytes } from '../internal/encoding.js'
import { assertChainId, jobIdString, lowercaseAddress } from '../internal/validate.js'
import { assertPermissions } from '../permissions/permissions.js'
import { assertSessionPublicKey } from './assertSessionPublicKey.js'
import { type Ed25519KeyInput, hostSigningKey } from './hostKeys.js'
import {
  maxSessionTokenTtlSeconds,
  type SessionTokenClaims,
  sessionTokenAudience,
} from './SessionTokenClaims.js'

/** Options of {@link issueSessionToken}. */
export type IssueSessionTokenOptions = {
  /** The host's Ed25519 identity key: 32 bytes, or `0x` and 64 hex digits. */
  hostPrivateKey: Ed25519KeyInput
  /** The host's address: `iss`. */
  hostAddress: Address
  /** The client's address, the job's depositor as the host checked on chain: `sub`. */
  clientAddress: Address
  /** The on-chain job id: `job_id`. */
  jobId: string | bigint
  chainId: number
  /** What the token allows: a subset of `inference`, `resume`, `export`, `admin`. */
  permissions: readonly Permission[]
  /** The client's Ed25519 session public key (`session_public_key`), bound as `cnf.jwk`. */
  sessionPublicKey: Hex
  /**
   * Lifetime in seconds, 1 to 900.
   * @default 900
   */
  ttlSeconds?: number
  /**
   * The current time in milliseconds since the epoch (a clock for tests).
   * @default Date.now()
   */
  now?: number
}

/** What {@link issueSessionToken} returns. */
export type IssueSessionTokenReturnType = {
  /** The compact JWT (`header.payload.signature`), EdDSA-signed. A bearer secret: never log it. */
  token: string
  /** When it expires, in milliseconds since the epoch (`expires_at` of `/v1/auth/token`). */
  expiresAt: number
  /** The claims it carries. */
  claims: SessionTokenClaims
}

/** What {@link issueSessionToken} throws. */
export type IssueSessionTokenErrorType = TypeError | RangeError | FabstirError<'UNAVAILABLE'>

/**
 * Issues a session token (PROTOCOL.md §3) after the host has checked the wallet signature and
 * the job on chain: a JWT signed with EdDSA (Ed25519) by the host's identity key, carrying
 * `iss`, `sub`, `aud` (`"fabstir:session"`), `job_id`, `chain_id`, `permissions`, `cnf.jwk` (the
 * client's session key, RFC 7800), `iat`, `exp` and a random `jti`.
 *
 * @param options - keys, parties, job and lifetime.
 * @returns the token, its expiry in milliseconds and its claims.
 * @throws {TypeError} for a malformed key, address, job id, permission or session key (also a
 *   small-order session key, which would let anyone sign as the client).
 * @throws {RangeError} for a chain id or `ttlSeconds` out of range.
 * @throws {FabstirError} `UNAVAILABLE` where the runtime has no WebCrypto Ed25519.
 * @example
 * ```ts
 * import { issueSessionToken } from '@fabstir/auth/host'
 *
 * const { token, expiresAt } = await issueSessionToken({
 *   hostPrivateKey: process.env.HOST_ED25519_KEY as `0x${string}`,
 *   hostAddress: '0x1111111111111111111111111111111111111111',
 *   clientAddress: recoveredSigner,
 *   jobId: '42',
 *   chainId: 84532,
 *   permissions: ['inference', 'resume'],
 *   sessionPublicKey: request.session_public_key,
 * })
 * ```
 */
export async function issueSessionToken({
  hostPrivateKey,
  hostAddress,
  clientAddress,
  jobId,
  chainId,
  permissions,
  sessionPublicKey,
  ttlSeconds = maxSessionTokenTtlSeconds,
  now = Date.now(),
}: IssueSessionTokenOptions): Promise<IssueSessionTokenReturnType> {
  const iss = lowercaseAddress(hostAddress, 'hostAddress')
  const sub = lowercaseAddress(clientAddress, 'clientAddress')
  const jobIdText = jobIdString(jobId)
  assertChainId(chainId)
  assertPermissions(permissions)
  const jwk = assertSessionPublicKey(sessionPublicKey)
  if (
    !Number.isSafeInteger(ttlSeconds) ||
    ttlSeconds < 1 ||
    ttlSeconds > maxSessionTokenTtlSeconds
  ) {
    throw new RangeError(`ttlSeconds must be an integer from 1 to ${maxSessionTokenTtlSeconds}`)
  }
  if (!Number.isFinite(now)) throw new RangeError('now must be milliseconds since the epoch')
  const key = await hostSigningKey(hostPrivateKey)

  const iat = Math.floor(now / 1000)
  const claims: SessionTokenClaims = {
    iss,
    sub,
    aud: sessionTokenAudience,
    job_id: jobIdText,
    chain_id: chainId,
    permissions: [...new Set(permissions)],
    cnf: { jwk },
    iat,
    exp: iat + ttlSeconds,
    jti: base64urlFromBytes(randomBytes(16)),
  }
  const token = await new SignJWT(claims).setProtectedHeader({ alg: 'EdDSA', typ: 'JWT' }).sign(key)
  return { token, expiresAt: claims.exp * 1000, claims }
}
