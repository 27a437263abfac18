import { createPublicKey, generateKeyPairSync, type KeyObject, sign } from 'node:crypto'
import {
  type CheckpointMessage,
  type Hex,
  type ResponseMessage,
  signingBytes,
} from '@fabstir/protocol'

/** The host's Ed25519 identity: its public key and a signer for the messages it must sign. */
export type HostIdentity = {
  /** The 32-byte public key as 0x-prefixed hex (`host_public_key`, `ed25519_public_key`). */
  readonly publicKeyHex: Hex
  /**
   * Signs a message as PROTOCOL.md §5 asks: Ed25519 over `signingBytes(message)`.
   *
   * @returns the message with `sig` (base64url without padding).
   */
  sign<message extends ResponseMessage | CheckpointMessage>(message: message): message
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
  const { x } = createPublicKey(key).export({ format: 'jwk' })
  const publicKeyHex: Hex = `0x${Buffer.from(x ?? '', 'base64url').toString('hex')}`
  return {
    publicKeyHex,
    sign(message) {
      const signature = sign(null, signingBytes(message), key)
      return { ...message, sig: signature.toString('base64url') }
    },
  }
}
