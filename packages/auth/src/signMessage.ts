import { type ProtocolError, signingBytes } from '@fabstir/protocol'
import { type Ed25519Options, getEd25519 } from './ed25519/getEd25519.js'
import { base64urlFromBytes } from './internal/encoding.js'
import type { SessionKey } from './SessionKey.js'

/** Options of {@link signMessage}. */
export type SignMessageOptions = Ed25519Options

/** What {@link signMessage} returns: the message with its `sig`. */
export type SignMessageReturnType<message extends object> = Omit<message, 'sig'> & { sig: string }

/** What {@link signMessage} throws. */
export type SignMessageErrorType = TypeError | ProtocolError

/**
 * Signs a `fabstir/1` message (PROTOCOL.md §5): Ed25519 over `signingBytes(message)`, the UTF-8
 * RFC 8785 canonical JSON of the message without `sig`. A `sig` already present is replaced.
 *
 * @param message - a client or host message object.
 * @param privateKey - the 32-byte private key, or a {@link SessionKey}.
 * @param options - which Ed25519 implementation. @default { ed25519: 'auto' }
 * @returns a copy of the message with `sig`: 64 bytes as base64url without padding.
 * @throws {TypeError} when the key is not 32 bytes.
 * @throws {ProtocolError} `BAD_MESSAGE` when the message has no canonical JSON form.
 * @example
 * ```ts
 * import { generateSessionKey, signMessage } from '@fabstir/auth'
 *
 * const sessionKey = await generateSessionKey()
 * const signed = await signMessage(
 *   { type: 'ping', session_id: '42', message_index: 3, ts: Date.now() },
 *   sessionKey,
 * )
 * signed.sig // 86 characters of base64url
 * ```
 */
export async function signMessage<message extends object>(
  message: message,
  privateKey: Uint8Array | SessionKey,
  options: SignMessageOptions = {},
): Promise<SignMessageReturnType<message>> {
  const key = privateKey instanceof Uint8Array ? privateKey : privateKey.privateKey
  const bytes = signingBytes(message)
  const ed25519 = await getEd25519(options.ed25519)
  const signature = await ed25519.sign(bytes, key)
  return { ...message, sig: base64urlFromBytes(signature) }
}
