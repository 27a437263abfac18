import type { Address, FabstirError, Hex } from '@fabstir/protocol'
import { errors as joseErrors, jwtVerify } from 'jose'
import { AuthError } from '../errors/AuthError.js'
import { bytesFromBase64url, hexFromBytes } from '../internal/encoding.js'
import { addressPattern, decimalIdPattern, jobIdString } from '../internal/validate.js'
import { isPermission } from '../permissions/permissions.js'
import { isStrongPoint } from './assertSessionPublicKey.js'
import { type Ed25519KeyInput, hostVerifyingKey } from './hostKeys.js'
import {
  maxSessionTokenTtlSeconds,
  type SessionTokenClaims,
  sessionTokenAudience,
} from './SessionTokenClaims.js'

/** The largest token {@link verifyToken} parses: 8 KiB (ours are about 700 bytes). */
export const maxTokenBytes = 8192

/** Options of {@link verifyToken}. */
export type VerifyTokenOptions = {
  /** The host's Ed25519 public key the token must be signed with (pinned, never read from the token). */
  hostPublicKey: Ed25519KeyInput
  /**
   * The `aud` the token must carry.
   * @default 'fabstir:session'
   */
  audience?: string
  /** The host address `iss` must equal (compared case-insensitively). Unchecked when absent. */
  issuer?: Address
  /** The job the token must be for (`job_id`). Unchecked when absent. */
  jobId?: string | bigint
  /** The chain the token must be for (`chain_id`). Unchecked when absent. */
  chainId?: number
  /**
   * How far apart the issuer's clock and ours may be, for `exp`, `nbf` and `iat`.
   * @default 30
   */
  clockSkewSeconds?: number
  /**
   * The current time in milliseconds since the epoch (a clock for tests).
   * @default Date.now()
   */
  now?: number
}

/** What {@link verifyToken} throws. */
export type VerifyTokenErrorType = AuthError | TypeError | RangeError | FabstirError<'UNAVAILABLE'>

/**
 * Verifies a session token (PROTOCOL.md §3) and returns its claims. Only `EdDSA` is accepted
 * (`none`, `HS256` and every other algorithm fail, so a token "signed" with the public key as an
 * HMAC secret is refused), with the pinned host key; `aud`, `exp`, `nbf` and `iat` are checked
 * with a small clock skew, the lifetime must be at most 900 s, and every claim must have its
 * documented shape. The token's size is checked before it is parsed.
 *
 * @param token - the compact JWT, e.g. from `session_init.token` or an `Authorization: Bearer`.
 * @param options - the pinned key and the expected audience, issuer, job and chain.
 * @returns the token's claims.
 * @throws {AuthError} `AUTH_REQUIRED` when there is no token (not a string, or empty);
 *   `TOKEN_EXPIRED` when it has expired; `AUTH_FAILED` for everything else: larger than 8 KiB,
 *   malformed, another algorithm, a bad signature, not yet valid, issued in the future, wrong
 *   `aud`, `iss`, job or chain, too long a lifetime, a malformed claim.
 * @throws {TypeError} for a malformed `hostPublicKey` (a configuration error, not the token's).
 * @throws {FabstirError} `UNAVAILABLE` where the runtime has no WebCrypto Ed25519.
 * @example
 * ```ts
 * import { getSessionPublicKey, verifyToken } from '@fabstir/auth/host'
 *
 * const claims = await verifyToken(message.token, {
 *   hostPublicKey: identity.publicKeyHex,
 *   issuer: hostAddress,
 *   jobId: message.job_id,
 *   chainId: message.chain_id,
 * })
 * const sessionPublicKey = getSessionPublicKey(claims) // verifies the client's signed messages
 * ```
 */
export async function verifyToken(
  token: unknown,
  {
    hostPublicKey,
    audience = sessionTokenAudience,
    issuer,
    jobId,
    chainId,
    clockSkewSeconds = 30,
    now = Date.now(),
  }: VerifyTokenOptions,
): Promise<SessionTokenClaims> {
  if (!Number.isFinite(clockSkewSeconds) || clockSkewSeconds < 0 || clockSkewSeconds > 300) {
    throw new RangeError('clockSkewSeconds must be from 0 to 300')
  }
  const expectedJobId = jobId === undefined ? undefined : jobIdString(jobId)
  const key = await hostVerifyingKey(hostPublicKey)

  if (typeof token !== 'string' || token.length === 0) {
    throw new AuthError('AUTH_REQUIRED', 'A session token is required')
  }
  if (token.length > maxTokenBytes) {
    throw failed(`the token is larger than ${maxTokenBytes} bytes`)
  }

  let payload: Record<string, unknown>
  try {
    const result = await jwtVerify(token, key, {
      algorithms: ['EdDSA'],
      audience,
      clockTolerance: clockSkewSeconds,
      currentDate: new Date(now),
      requiredClaims: ['iss', 'sub', 'aud', 'exp', 'iat', 'jti'],
    })
    payload = result.payload
  } catch (error) {
    if (error instanceof joseErrors.JWTExpired) {
      throw new AuthError('TOKEN_EXPIRED', 'The session token has expired')
    }
    // jose's own error is not kept as the cause: a claim error carries the whole payload.
    throw failed(reasonOf(error))
  }

  const claims = parseClaims(payload, audience)
  const nowSeconds = now / 1000
  if (claims.iat > nowSeconds + clockSkewSeconds) throw failed('the token is issued in the future')
  if (claims.exp - claims.iat > maxSessionTokenTtlSeconds) {
    throw failed(`the token lives longer than ${maxSessionTokenTtlSeconds} s`)
  }
  if (issuer !== undefined && claims.iss !== issuer.toLowerCase()) {
    throw failed('the token is from another issuer')
  }
  if (expectedJobId !== undefined && claims.job_id !== expectedJobId) {
    throw failed('the token is for another job')
  }
  if (chainId !== undefined && claims.chain_id !== chainId) {
    throw failed('the token is for another chain')
  }
  return claims
}

/**
 * The client's session public key a verified token binds (`cnf.jwk`), as `0x` hex: the key
 * every signed client message must verify under.
 *
 * @param claims - claims returned by {@link verifyToken}.
 * @returns the 32-byte public key as lowercase `0x` hex.
 * @throws {TypeError} when the claims carry no Ed25519 key (not from {@link verifyToken}).
 * @example
 * ```ts
 * import { verifyMessage } from '@fabstir/auth'
 * import { getSessionPublicKey } from '@fabstir/auth/host'
 *
 * const ok = await verifyMessage(prompt, getSessionPublicKey(claims))
 * ```
 */
export function getSessionPublicKey(claims: Pick<SessionTokenClaims, 'cnf'>): Hex {
  const bytes = bytesFromBase64url(claims?.cnf?.jwk?.x)
  if (bytes?.length !== 32) throw new TypeError('The claims carry no Ed25519 session key')
  return hexFromBytes(bytes)
}

function failed(details: string): AuthError {
  return new AuthError('AUTH_FAILED', 'The session token is not valid', { details })
}

function reasonOf(error: unknown): string {
  if (error instanceof joseErrors.JWTClaimValidationFailed) {
    if (error.claim === 'nbf') return 'the token is not valid yet'
    return `the ${error.claim} claim is not valid`
  }
  if (error instanceof joseErrors.JOSEAlgNotAllowed) return 'only EdDSA tokens are accepted'
  if (error instanceof joseErrors.JWSSignatureVerificationFailed) return 'bad signature'
  if (error instanceof joseErrors.JOSEError) return `malformed token (${error.code})`
  return 'malformed token'
}

function isInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0
}

/** Checks every claim's shape; anything off is `AUTH_FAILED`. */
function parseClaims(payload: Record<string, unknown>, audience: string): SessionTokenClaims {
  const { iss, sub, aud, job_id, chain_id, permissions, cnf, iat, exp, nbf, jti } = payload
  if (typeof iss !== 'string' || !addressPattern.test(iss)) throw failed('iss is not an address')
  if (typeof sub !== 'string' || !addressPattern.test(sub)) throw failed('sub is not an address')
  if (aud !== audience) throw failed('aud is not the expected audience')
  if (typeof job_id !== 'string' || !decimalIdPattern.test(job_id)) {
    throw failed('job_id is not a decimal id')
  }
  if (!isInteger(chain_id) || chain_id < 1) throw failed('chain_id is not a chain id')
  if (!Array.isArray(permissions) || !permissions.every(isPermission)) {
    throw failed('permissions is not a list of known permissions')
  }
  const jwk = (cnf as { jwk?: Record<string, unknown> } | undefined)?.jwk
  const x = bytesFromBase64url(jwk?.x)
  if (
    jwk?.kty !== 'OKP' ||
    jwk.crv !== 'Ed25519' ||
    'd' in jwk ||
    x?.length !== 32 ||
    !isStrongPoint(x)
  ) {
    throw failed('cnf.jwk is not an Ed25519 public key')
  }
  if (!isInteger(iat) || !isInteger(exp)) throw failed('iat and exp must be integers')
  if (nbf !== undefined && !isInteger(nbf)) throw failed('nbf must be an integer')
  if (typeof jti !== 'string' || jti.length === 0 || jti.length > 256) {
    throw failed('jti is not a token id')
  }
  return {
    iss: iss.toLowerCase() as Address,
    sub: sub.toLowerCase() as Address,
    aud: sessionTokenAudience,
    job_id,
    chain_id,
    permissions: [...permissions],
    cnf: { jwk: { kty: 'OKP', crv: 'Ed25519', x: jwk.x as string } },
    iat,
    exp,
    ...(nbf === undefined ? {} : { nbf }),
    jti,
  }
}
