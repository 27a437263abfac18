import { randomBytes } from '@noble/hashes/utils.js'
import type { Ed25519Options } from './ed25519/getEd25519.js'
import { SessionKey } from './SessionKey.js'

/** Options of {@link generateSessionKey}. */
export type GenerateSessionKeyOptions = Ed25519Options

/** What {@link generateSessionKey} returns. */
export type GenerateSessionKeyReturnType = SessionKey

/**
 * Makes a fresh Ed25519 session key (PROTOCOL.md §3): 32 random bytes from the platform's
 * CSPRNG (`crypto.getRandomValues`) as the private key, and its public key as `0x` hex, which
 * the client sends as `session_public_key` and the host binds into the token's `cnf`.
 *
 * @param options - which Ed25519 implementation derives the public key. @default { ed25519: 'auto' }
 * @returns the key pair; its private key is redacted from JSON and `console.log`.
 * @example
 * ```ts
 * import { generateSessionKey } from '@fabstir/auth'
 *
 * const sessionKey = await generateSessionKey()
 * sessionKey.publicKey // '0x…' (64 hex digits)
 * ```
 */
export async function generateSessionKey(
  options: GenerateSessionKeyOptions = {},
): Promise<GenerateSessionKeyReturnType> {
  return SessionKey.fromPrivateKey(randomBytes(32), options)
}
