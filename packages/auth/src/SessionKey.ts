import type { Hex } from '@fabstir/protocol'
import { assertPrivateKey } from './ed25519/Ed25519.js'
import { type Ed25519Options, getEd25519 } from './ed25519/getEd25519.js'
import { hexFromBytes } from './internal/encoding.js'

const inspectSymbol = Symbol.for('nodejs.util.inspect.custom')

/**
 * An Ed25519 key pair whose private half does not leak by accident: `JSON.stringify`, Node's
 * `util.inspect` (so `console.log`), spreading and `Object.keys` show only the public key. Read
 * `privateKey` deliberately to sign or to store it (encrypted: see `FileKeyStore`).
 *
 * @example
 * ```ts
 * import { SessionKey, generateSessionKey } from '@fabstir/auth'
 *
 * const key = await generateSessionKey()
 * JSON.stringify(key) // '{"publicKey":"0x…"}'
 * const same = await SessionKey.fromPrivateKey(key.privateKey)
 * ```
 */
export class SessionKey {
  /** The 32-byte public key as lowercase `0x` hex (`session_public_key` on the wire). */
  readonly publicKey: Hex
  readonly #privateKey: Uint8Array

  /**
   * Prefer {@link generateSessionKey} or {@link SessionKey.fromPrivateKey}: this constructor
   * does not check that the two halves belong together.
   *
   * @param privateKey - the 32-byte seed (kept as given, not copied).
   * @param publicKey - its public key as `0x` hex.
   */
  constructor(privateKey: Uint8Array, publicKey: Hex) {
    assertPrivateKey(privateKey)
    this.#privateKey = privateKey
    this.publicKey = publicKey
  }

  /** The 32-byte private key (the RFC 8032 seed). Never log or send it. */
  get privateKey(): Uint8Array {
    return this.#privateKey
  }

  /**
   * The key pair of an existing private key, e.g. one read from a `KeyStore`.
   *
   * @param privateKey - the 32-byte seed.
   * @param options - which Ed25519 implementation derives the public key.
   * @throws {TypeError} when `privateKey` is not 32 bytes.
   */
  static async fromPrivateKey(
    privateKey: Uint8Array,
    options: Ed25519Options = {},
  ): Promise<SessionKey> {
    assertPrivateKey(privateKey)
    const ed25519 = await getEd25519(options.ed25519)
    return new SessionKey(privateKey, hexFromBytes(await ed25519.getPublicKey(privateKey)))
  }

  /** Overwrites the private key with zeros; the object is unusable for signing afterwards. */
  destroy(): void {
    this.#privateKey.fill(0)
  }

  /** What `JSON.stringify` writes: the public key only. */
  toJSON(): { publicKey: Hex } {
    return { publicKey: this.publicKey }
  }

  /** What `String(key)` gives: the public key only. */
  toString(): string {
    return `SessionKey(${this.publicKey})`
  }

  /** What Node's `util.inspect` and `console.log` print. */
  [inspectSymbol](): string {
    return `SessionKey { publicKey: '${this.publicKey}', privateKey: [redacted] }`
  }
}
