import { FabstirError } from '@fabstir/protocol'

/** Codes of {@link KeyStoreError}, this package's own (not wire codes). */
export type KeyStoreErrorCode =
  /** The passphrase is wrong, or the stored data was tampered with. */
  | 'KEYSTORE_DECRYPT_FAILED'
  /** The store's data is not in a format this version reads, or is weaker than configured. */
  | 'KEYSTORE_CORRUPT'
  /** The storage backend failed (file system, IndexedDB). */
  | 'KEYSTORE_UNAVAILABLE'

/**
 * A key store could not read or write its keys. Messages never contain key material or
 * passphrases.
 *
 * @example
 * ```ts
 * import { KeyStoreError } from '@fabstir/auth'
 * import { FileKeyStore } from '@fabstir/auth/node'
 *
 * try {
 *   await new FileKeyStore({ path, passphrase }).get('host-identity')
 * } catch (error) {
 *   if (KeyStoreError.isInstance(error) && error.code === 'KEYSTORE_DECRYPT_FAILED') askAgain()
 * }
 * ```
 */
export class KeyStoreError extends FabstirError<KeyStoreErrorCode> {
  override name = 'KeyStoreError' as const

  /**
   * Recognises a {@link KeyStoreError}, also one from another copy of the package.
   *
   * @param value - anything caught.
   * @returns whether `value` is a {@link KeyStoreError}.
   */
  static override isInstance(value: unknown): value is KeyStoreError {
    return FabstirError.isInstance(value) && value.name === 'KeyStoreError'
  }
}
