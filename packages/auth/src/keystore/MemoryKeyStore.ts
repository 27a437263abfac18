import {
  assertKeyBytes,
  assertKeyName,
  inspectSymbol,
  type KeyStore,
  type KeyStoreCallOptions,
  throwIfAborted,
} from './KeyStore.js'

/**
 * A {@link KeyStore} in memory, for tests and for keys that must not outlive the process (a
 * browser tab's session keys). `JSON.stringify` and `console.log` show only the key names.
 *
 * @example
 * ```ts
 * import { MemoryKeyStore, generateSessionKey } from '@fabstir/auth'
 *
 * const store = new MemoryKeyStore()
 * const key = await generateSessionKey()
 * await store.set('session:42', key.privateKey)
 * ```
 */
export class MemoryKeyStore implements KeyStore {
  readonly #keys = new Map<string, Uint8Array>()

  async get(name: string, options?: KeyStoreCallOptions): Promise<Uint8Array | undefined> {
    throwIfAborted(options)
    assertKeyName(name)
    const key = this.#keys.get(name)
    return key && new Uint8Array(key)
  }

  async set(name: string, key: Uint8Array, options?: KeyStoreCallOptions): Promise<void> {
    throwIfAborted(options)
    assertKeyName(name)
    assertKeyBytes(key)
    this.#keys.get(name)?.fill(0)
    this.#keys.set(name, new Uint8Array(key))
  }

  async delete(name: string, options?: KeyStoreCallOptions): Promise<boolean> {
    throwIfAborted(options)
    assertKeyName(name)
    this.#keys.get(name)?.fill(0)
    return this.#keys.delete(name)
  }

  async list(options?: KeyStoreCallOptions): Promise<string[]> {
    throwIfAborted(options)
    return [...this.#keys.keys()].sort()
  }

  /** What `JSON.stringify` writes: the names only. */
  toJSON(): { type: 'MemoryKeyStore'; names: string[] } {
    return { type: 'MemoryKeyStore', names: [...this.#keys.keys()].sort() }
  }

  /** What Node's `util.inspect` and `console.log` print. */
  [inspectSymbol](): string {
    return `MemoryKeyStore { ${this.#keys.size} keys: [redacted] }`
  }
}
