import type { AbortOptions } from '@fabstir/protocol'

/** Options every {@link KeyStore} method takes last: an `AbortSignal` checked before it starts. */
export type KeyStoreCallOptions = Pick<AbortOptions, 'signal'>

/**
 * Where keys are kept between runs: the host's identity key, a client's session keys. Values are
 * raw key bytes (1 to 1024 bytes; an Ed25519 private key is 32), names are 1 to 128 of
 * `A–Z a–z 0–9 . _ : -`. Every method copies bytes in and out, so a caller that zeroes its copy
 * does not change the store. Implementations never log or serialise key bytes in plaintext.
 *
 * Implementations: `MemoryKeyStore`, `IndexedDBKeyStore` (browsers) and `FileKeyStore`
 * (Node, encrypted, from `@fabstir/auth/node`).
 *
 * @example
 * ```ts
 * import { type KeyStore, SessionKey } from '@fabstir/auth'
 *
 * async function loadIdentity(store: KeyStore) {
 *   const bytes = await store.get('host-identity')
 *   return bytes && SessionKey.fromPrivateKey(bytes)
 * }
 * ```
 */
export interface KeyStore {
  /**
   * @returns a copy of the key stored under `name`, or `undefined`.
   * @throws {TypeError} for a malformed name.
   */
  get(name: string, options?: KeyStoreCallOptions): Promise<Uint8Array | undefined>
  /**
   * Stores a copy of `key` under `name`, replacing what was there.
   * @throws {TypeError} for a malformed name or a key that is not 1 to 1024 bytes.
   */
  set(name: string, key: Uint8Array, options?: KeyStoreCallOptions): Promise<void>
  /** @returns whether a key was stored under `name`. */
  delete(name: string, options?: KeyStoreCallOptions): Promise<boolean>
  /** @returns the names of the stored keys, sorted. */
  list(options?: KeyStoreCallOptions): Promise<string[]>
}

/** The longest key a {@link KeyStore} holds, in bytes. */
export const maxStoredKeyBytes = 1024

/** @internal Checks a key name. */
export function assertKeyName(name: unknown): asserts name is string {
  if (typeof name !== 'string' || !/^[A-Za-z0-9._:-]{1,128}$/.test(name)) {
    throw new TypeError('A key name is 1 to 128 of A-Z a-z 0-9 . _ : -')
  }
}

/** @internal Checks key bytes. */
export function assertKeyBytes(key: unknown): asserts key is Uint8Array {
  if (!(key instanceof Uint8Array) || key.length < 1 || key.length > maxStoredKeyBytes) {
    throw new TypeError(`A stored key is 1 to ${maxStoredKeyBytes} bytes`)
  }
}

/** @internal Rejects with the signal's reason when it is aborted. */
export function throwIfAborted(options: KeyStoreCallOptions | undefined): void {
  options?.signal?.throwIfAborted()
}

/** @internal What `util.inspect` shows of a store. */
export const inspectSymbol = Symbol.for('nodejs.util.inspect.custom')
