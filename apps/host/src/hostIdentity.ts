import { createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto'
import { signMessage } from '@fabstir/auth'
import {
  type IssueSessionTokenOptions,
  type IssueSessionTokenReturnType,
  issueSessionToken,
} from '@fabstir/auth/host'
import type { CheckpointMessage, Hex, ResponseMessage } from '@fabstir/protocol'

/**
 * The host's Ed25519 identity: its public key, a signer for the messages it must sign, and the
 * issuer of its session tokens. The private key stays inside.
 */
export type HostIdentity = {
  /** The 32-byte public key as 0x-prefixed hex (`host_public_key`, `ed25519_public_key`). */
  readonly publicKeyHex: Hex
  /**
   * Signs a message as PROTOCOL.md §5 asks, with `signMessage` of `@fabstir/auth`: Ed25519 over
   * `signingBytes(message)`.
   *
   * @returns the message with `sig` (base64url without padding).
   */
  sign<message extends ResponseMessage | CheckpointMessage>(message: message): Promise<message>
  /**
   * Issues a session token signed with the identity key (`issueSessionToken` of `@fabstir/auth/host`).
   *
   * @throws {TypeError} for a malformed address, job id, permission or session key.
   */
  issueSessionToken(
    options: Omit<IssueSessionTokenOptions, 'hostPrivateKey'>,
  ): Promise<IssueSessionTokenReturnType>
}

/**
 * Creates the host's identity from an Ed25519 private key, or a fresh one.
 *
 * @param privateKey - an Ed25519 private `KeyObject`; without it a key pair is generated, so the
 *   identity lasts as long as the process.
 * @throws {TypeError} when `privateKey` is not an Ed25519 private key.
 * @example
 * ```ts
 * import { generateKeyPairSync } from 'node:crypto'
 * import { createHostIdentity } from '@fabstir/host'
 *
 * const identity = createHostIdentity(generateKeyPairSync('ed25519').privateKey)
 * identity.publicKeyHex // '0x…'
 * ```
 */
export function createHostIdentity(privateKey?: KeyObject): HostIdentity {
  const key = privateKey ?? generateKeyPairSync('ed25519').privateKey
  if (key.type !== 'private' || key.asymmetricKeyType !== 'ed25519') {
    throw new TypeError('The host identity key must be an Ed25519 private key')
  }
  // The raw 32-byte RFC 8032 seed, the form @fabstir/auth takes.
  const seed = new Uint8Array(Buffer.from(key.export({ format: 'jwk' }).d ?? '', 'base64url'))
  const { x } = createPublicKey(key).export({ format: 'jwk' })
  const publicKeyHex: Hex = `0x${Buffer.from(x ?? '', 'base64url').toString('hex')}`
  return {
    publicKeyHex,
    async sign(message) {
      return (await signMessage(message, seed)) as typeof message
    },
    issueSessionToken: (options) => issueSessionToken({ ...options, hostPrivateKey: seed }),
  }
}
