import { type Hex, signingBytes } from '@fabstir/protocol'
import { type Ed25519Options, getEd25519 } from './ed25519/getEd25519.js'
import { bytesFromBase64url, bytesFromHex } from './internal/encoding.js'

/** Options of {@link verifyMessage}. */
export type VerifyMessageOptions = Ed25519Options

/**
 * Checks a signed `fabstir/1` message (PROTOCOL.md §5) against a public key. Never throws on
 * what arrives from a peer: a missing, malformed or wrong `sig`, a public key of the wrong
 * shape, or a message with no canonical JSON form all give `false`.
 *
 * The host calls it with the session key from the token's `cnf` (see {@link getSessionPublicKey})
 * and answers `false` with `INVALID_SIGNATURE`; the client calls it with the host's
 * `host_public_key` on every `response` and `checkpoint`.
 *
 * @param message - the received message, with its `sig`.
 * @param publicKey - the 32-byte public key as `0x` hex, or its bytes.
 * @param options - which Ed25519 implementation. @default { ed25519: 'auto' }
 * @returns whether `sig` is a valid Ed25519 signature over the message without `sig`.
 * @example
 * ```ts
 * import { verifyMessage } from '@fabstir/auth'
 *
 * if (!(await verifyMessage(response, hostPublicKey))) throw new Error('forged response')
 * ```
 */
export async function verifyMessage(
  message: unknown,
  publicKey: Hex | Uint8Array,
  options: VerifyMessageOptions = {},
): Promise<boolean> {
  if (typeof message !== 'object' || message === null || Array.isArray(message)) return false
  const signature = bytesFromBase64url((message as { sig?: unknown }).sig)
  if (signature?.length !== 64) return false
  const key = publicKey instanceof Uint8Array ? publicKey : bytesFromHex(publicKey, 32)
  if (key?.length !== 32) return false
  let bytes: Uint8Array
  try {
    bytes = signingBytes(message)
  } catch {
    return false
  }
  try {
    const ed25519 = await getEd25519(options.ed25519)
    return await ed25519.verify(signature, bytes, key)
  } catch {
    return false
  }
}
