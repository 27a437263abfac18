/** Which Ed25519 implementation signs and verifies. */
export type Ed25519ImplementationName = 'native' | 'noble'

/**
 * One Ed25519 (RFC 8032, pure, no context) implementation. Keys are raw bytes: a private key is
 * the 32-byte seed, a public key the 32-byte encoded point, a signature 64 bytes. Both
 * implementations give the same keys and signatures (Ed25519 is deterministic) and the same
 * verification results, with RFC 8032 rules (canonical `S`, no ZIP-215 leniency).
 *
 * @example
 * ```ts
 * import { getEd25519 } from '@fabstir/auth'
 *
 * const ed25519 = await getEd25519()
 * const signature = await ed25519.sign(message, privateKey)
 * ```
 */
export interface Ed25519 {
  /** `native` (the platform's WebCrypto) or `noble` (`@noble/ed25519`, portable). */
  readonly name: Ed25519ImplementationName
  /**
   * @param privateKey - the 32-byte seed.
   * @returns the 32-byte public key.
   * @throws {TypeError} when `privateKey` is not 32 bytes.
   */
  getPublicKey(privateKey: Uint8Array): Promise<Uint8Array>
  /**
   * @param message - the bytes to sign.
   * @param privateKey - the 32-byte seed.
   * @returns the 64-byte signature.
   * @throws {TypeError} when `privateKey` is not 32 bytes.
   */
  sign(message: Uint8Array, privateKey: Uint8Array): Promise<Uint8Array>
  /**
   * @returns whether `signature` is valid for `message` under `publicKey`; `false` (never a throw)
   *   for a signature, key or message of the wrong shape.
   */
  verify(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): Promise<boolean>
}

/** @internal Checks a 32-byte private key. */
export function assertPrivateKey(privateKey: unknown): asserts privateKey is Uint8Array {
  if (!(privateKey instanceof Uint8Array) || privateKey.length !== 32) {
    throw new TypeError('An Ed25519 private key must be 32 bytes')
  }
}

/** @internal Whether the arguments of `verify` have the right shapes. */
export function verifyArgumentsOk(
  signature: unknown,
  message: unknown,
  publicKey: unknown,
): boolean {
  return (
    signature instanceof Uint8Array &&
    signature.length === 64 &&
    message instanceof Uint8Array &&
    publicKey instanceof Uint8Array &&
    publicKey.length === 32
  )
}
