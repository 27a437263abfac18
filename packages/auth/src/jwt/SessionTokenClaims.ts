import type { Address, Permission } from '@fabstir/protocol'

/** The `aud` of every session token (PROTOCOL.md §3). */
export const sessionTokenAudience = 'fabstir:session'

/** The longest a session token may live: 15 minutes (PROTOCOL.md §3). */
export const maxSessionTokenTtlSeconds = 900

/** The client's Ed25519 session public key as an OKP JWK (RFC 8037), without a private part. */
export type SessionPublicJwk = {
  kty: 'OKP'
  crv: 'Ed25519'
  /** The 32-byte public key, base64url without padding. */
  x: string
}

/**
 * The claims of a `fabstir/1` session token (PROTOCOL.md §3), as {@link verifyToken} returns
 * them after every check passed. Addresses are lowercase.
 */
export type SessionTokenClaims = {
  /** The host's address (the issuer). */
  iss: Address
  /** The client's address: the depositor of the job. */
  sub: Address
  aud: typeof sessionTokenAudience
  /** The on-chain job id, decimal. */
  job_id: string
  chain_id: number
  /** What the token allows; see `requirePermission`. */
  permissions: Permission[]
  /** Proof-of-possession key (RFC 7800): the session key that must sign the client's messages. */
  cnf: { jwk: SessionPublicJwk }
  /** Issued at, seconds since the epoch. */
  iat: number
  /** Expires at, seconds since the epoch; at most 900 s after `iat`. */
  exp: number
  /** Not before, seconds since the epoch, when the issuer set it. */
  nbf?: number
  /** Unique token id (base64url of 16 random bytes when issued here). */
  jti: string
}
