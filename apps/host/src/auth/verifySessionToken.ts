import { type SessionTokenClaims, verifyToken } from '@fabstir/auth/host'
import type { HostContext } from '../internal/HostContext.js'

/**
 * @internal Verifies a session token this host issued: EdDSA with the host's identity key,
 * `iss` = `hostAddress`, not expired by the host's clock, and, when given, for `jobId` and
 * `chainId`.
 *
 * @throws {AuthError} `AUTH_REQUIRED` without a token, `TOKEN_EXPIRED`, `AUTH_FAILED`.
 */
export function verifySessionToken(
  context: HostContext,
  token: unknown,
  expected: { jobId?: string; chainId?: number } = {},
): Promise<SessionTokenClaims> {
  return verifyToken(token, {
    hostPublicKey: context.identity.publicKeyHex,
    issuer: context.hostAddress,
    now: context.clock.now(),
    ...expected,
  })
}
