import { AuthError } from '../errors/AuthError.js'
import { type VerifyTokenOptions, verifyToken } from './verifyToken.js'

/** Options of {@link validateToken}: the same as {@link verifyToken}'s. */
export type ValidateTokenOptions = VerifyTokenOptions

/**
 * Whether a session token verifies: {@link verifyToken} as a boolean.
 *
 * @param token - the compact JWT.
 * @param options - the pinned host key and the expected audience, issuer, job and chain.
 * @returns `true` when the token is valid; `false` for every reason {@link verifyToken} would
 *   throw an `AuthError`.
 * @throws {TypeError} for a malformed `hostPublicKey`, and what {@link verifyToken} throws for a
 *   runtime without WebCrypto Ed25519: configuration errors are not hidden as `false`.
 * @example
 * ```ts
 * import { validateToken } from '@fabstir/auth/host'
 *
 * const valid = await validateToken(bearerToken, { hostPublicKey, issuer: hostAddress })
 * if (!valid) response.writeHead(401).end()
 * ```
 */
export async function validateToken(
  token: unknown,
  options: ValidateTokenOptions,
): Promise<boolean> {
  try {
    await verifyToken(token, options)
    return true
  } catch (error) {
    if (AuthError.isInstance(error)) return false
    throw error
  }
}
