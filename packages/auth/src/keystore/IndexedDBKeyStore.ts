import { KeyStoreError } from '../errors/KeyStoreError.js'
import {
  assertKeyBytes,
  assertKeyName,
  inspectSymbol,
  type KeyStore,
  type KeyStoreCallOptions,
  throwIfAborted,
} from './KeyStore.js'

/**
 * The DOM's `IDBFactory`, spelled so that the published declarations also compile for Node
 * projects without the DOM types (there it is `never`: such a project has no IndexedDB to pass).
 */
type IDBFactoryType = typeof globalThis extends { indexedDB: infer factory } ? factory : never

/** Options of an {@link IndexedDBKeyStore}. */
export type IndexedDBKeyStoreOptions = {
  /** The IndexedDB database the keys live in (created on first use). @default 'fabstir-keys' */
  databaseName?: string
  /** The IndexedDB to use (an `IDBFactory`). @default globalThis.indexedDB */
  indexedDB?: IDBFactoryType | undefined
  /** The WebCrypto to encrypt with. @default globalThis.crypto */
  crypto?: typeof globalThis.crypto | undefined
}

/** What each entry of the `keys` object store holds: AES-GCM output, never the key itself. */
type SealedRecord = { iv: Uint8Array; ciphertext: Uint8Array }

const databaseVersion = 1
const keysStore = 'keys'
const metaStore = 'meta'
const wrappingKeyName = 'wrapping-key'
const ivBytes = 12
const encoder = new TextEncoder()
const keyLabel = (name: string) => encoder.encode(`fabstir-keystore/idb/1:key:${name}`)

/**
 * An encrypted {@link KeyStore} in the browser's IndexedDB.
 *
 * - On first `set` a non-extractable AES-GCM 256 `CryptoKey` is generated with WebCrypto and kept
 *   in the same database (browsers store `CryptoKey` objects by structured clone; script can use
 *   it but never read its bytes).
 * - Each key is encrypted under it with a fresh random 12-byte IV, with its name as additional
 *   data, so entries cannot be swapped. The database holds no key in plaintext.
 * - It protects keys at rest (a copied profile folder, a backup, a storage dump), not against
 *   script running in the same origin: such script can call `get` like any caller.
 * - Each call opens the database and closes it before it returns, so the store holds no
 *   connection that could block another tab's upgrade or deletion, and needs no `close()`.
 *
 * Key bytes never appear in errors, `JSON.stringify` or `console.log`.
 *
 * @example
 * ```ts
 * import { IndexedDBKeyStore, SessionKey, generateSessionKey } from '@fabstir/auth'
 *
 * const store = new IndexedDBKeyStore()
 * const stored = await store.get('session:42')
 * const key = stored ? await SessionKey.fromPrivateKey(stored) : await generateSessionKey()
 * if (!stored) await store.set('session:42', key.privateKey)
 * ```
 */
export class IndexedDBKeyStore implements KeyStore {
  /** The IndexedDB database's name. */
  readonly databaseName: string
  readonly #indexedDB: IDBFactory | undefined
  readonly #crypto: Crypto | undefined

  /**
   * @param options - the database name, and the IndexedDB and WebCrypto to use.
   * @throws {TypeError} for an empty database name. A missing IndexedDB or WebCrypto is not
   *   checked here (so the store can be created during server-side rendering): every call then
   *   rejects with `KEYSTORE_UNAVAILABLE`.
   */
  constructor({
    databaseName = 'fabstir-keys',
    indexedDB = globalThis.indexedDB,
    crypto = globalThis.crypto,
  }: IndexedDBKeyStoreOptions = {}) {
    if (typeof databaseName !== 'string' || databaseName.length === 0) {
      throw new TypeError('databaseName must be a non-empty string')
    }
    this.databaseName = databaseName
    this.#indexedDB = indexedDB
    this.#crypto = crypto as Crypto | undefined
  }

  async get(name: string, options?: KeyStoreCallOptions): Promise<Uint8Array | undefined> {
    throwIfAborted(options)
    assertKeyName(name)
    const { subtle } = this.#webCrypto()
    const { wrappingKey, record } = await this.#withDatabase(async (database) => {
      const transaction = database.transaction([keysStore, metaStore], 'readonly')
      const [wrappingKey, record] = await Promise.all([
        request<unknown>(transaction.objectStore(metaStore).get(wrappingKeyName)),
        request<unknown>(transaction.objectStore(keysStore).get(name)),
      ])
      return { wrappingKey, record }
    })
    if (record === undefined) return undefined
    if (!isSealedRecord(record)) throw corrupt('bad entry')
    // An entry without its wrapping key can never be decrypted again.
    if (!isCryptoKey(wrappingKey)) throw decryptFailed()
    try {
      if (record.iv.length !== ivBytes) throw new Error('malformed')
      const plaintext = await subtle.decrypt(
        { name: 'AES-GCM', iv: new Uint8Array(record.iv), additionalData: keyLabel(name) },
        wrappingKey,
        new Uint8Array(record.ciphertext),
      )
      return new Uint8Array(plaintext)
    } catch {
      throw decryptFailed()
    }
  }

  async set(name: string, key: Uint8Array, options?: KeyStoreCallOptions): Promise<void> {
    throwIfAborted(options)
    assertKeyName(name)
    assertKeyBytes(key)
    const crypto = this.#webCrypto()
    const copy = new Uint8Array(key)
    try {
      await this.#withDatabase(async (database) => {
        const wrappingKey = await getOrCreateWrappingKey(database, crypto.subtle)
        const iv = crypto.getRandomValues(new Uint8Array(ivBytes))
        const ciphertext = new Uint8Array(
          await crypto.subtle.encrypt(
            { name: 'AES-GCM', iv, additionalData: keyLabel(name) },
            wrappingKey,
            copy,
          ),
        )
        const record: SealedRecord = { iv, ciphertext }
        const transaction = database.transaction(keysStore, 'readwrite')
        transaction.objectStore(keysStore).put(record, name)
        await completion(transaction)
      })
    } finally {
      copy.fill(0)
    }
  }

  async delete(name: string, options?: KeyStoreCallOptions): Promise<boolean> {
    throwIfAborted(options)
    assertKeyName(name)
    return this.#withDatabase(async (database) => {
      const transaction = database.transaction(keysStore, 'readwrite')
      const store = transaction.objectStore(keysStore)
      const count = request<number>(store.count(name))
      store.delete(name)
      const [found] = await Promise.all([count, completion(transaction)])
      return found > 0
    })
  }

  async list(options?: KeyStoreCallOptions): Promise<string[]> {
    throwIfAborted(options)
    const names = await this.#withDatabase((database) =>
      request<IDBValidKey[]>(database.transaction(keysStore).objectStore(keysStore).getAllKeys()),
    )
    return names.filter((name): name is string => typeof name === 'string').sort()
  }

  /** What `JSON.stringify` writes: the database name only. */
  toJSON(): { type: 'IndexedDBKeyStore'; databaseName: string } {
    return { type: 'IndexedDBKeyStore', databaseName: this.databaseName }
  }

  /** What Node's `util.inspect` and `console.log` print. */
  [inspectSymbol](): string {
    return `IndexedDBKeyStore { databaseName: ${JSON.stringify(this.databaseName)}, keys: [redacted] }`
  }

  #webCrypto(): Crypto {
    const crypto = this.#crypto
    if (!crypto?.subtle) {
      throw new KeyStoreError('KEYSTORE_UNAVAILABLE', 'WebCrypto is not available', {
        details: 'crypto.subtle exists only in secure contexts (https, localhost)',
      })
    }
    return crypto
  }

  /** Opens the database, runs `task`, and closes it; IndexedDB failures become KeyStoreErrors. */
  async #withDatabase<result>(task: (database: IDBDatabase) => Promise<result>): Promise<result> {
    const factory = this.#indexedDB
    if (!factory) {
      throw new KeyStoreError('KEYSTORE_UNAVAILABLE', 'IndexedDB is not available', {
        details: 'pass the indexedDB option where there is no globalThis.indexedDB',
      })
    }
    let database: IDBDatabase
    try {
      const opening = factory.open(this.databaseName, databaseVersion)
      // Version 1 is the only version, so an upgrade always starts from an empty database.
      opening.onupgradeneeded = () => {
        for (const store of [keysStore, metaStore]) opening.result.createObjectStore(store)
      }
      database = await request(opening)
    } catch (error) {
      if ((error as { name?: unknown } | null)?.name === 'VersionError') {
        throw corrupt(`the database is newer than version ${databaseVersion}`)
      }
      throw unavailable('The key database cannot be opened', error)
    }
    try {
      if (
        !database.objectStoreNames.contains(keysStore) ||
        !database.objectStoreNames.contains(metaStore)
      ) {
        throw corrupt('the database is not a key store')
      }
      return await task(database)
    } catch (error) {
      if (KeyStoreError.isInstance(error)) throw error
      throw unavailable('The key database failed', error)
    } finally {
      database.close()
    }
  }
}

/** Settles with an IDB request's result or error. */
function request<result>(idbRequest: IDBRequest<result>): Promise<result> {
  return new Promise((resolve, reject) => {
    idbRequest.onsuccess = () => resolve(idbRequest.result)
    idbRequest.onerror = () => reject(idbRequest.error)
  })
}

/** Settles when an IDB transaction commits, or with why it did not. */
function completion(transaction: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    transaction.oncomplete = () => resolve()
    transaction.onerror = () => reject(transaction.error)
    transaction.onabort = () => reject(transaction.error ?? new Error('transaction aborted'))
  })
}

/**
 * The wrapping key, generated on first use. The read and the write share one transaction, so
 * of two stores (or tabs) racing on an empty database exactly one key is kept.
 */
async function getOrCreateWrappingKey(
  database: IDBDatabase,
  subtle: SubtleCrypto,
): Promise<CryptoKey> {
  const existing = await request<unknown>(
    database.transaction(metaStore).objectStore(metaStore).get(wrappingKeyName),
  )
  if (isCryptoKey(existing)) return existing
  const candidate = await subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, [
    'encrypt',
    'decrypt',
  ])
  const transaction = database.transaction(metaStore, 'readwrite')
  const store = transaction.objectStore(metaStore)
  const kept = new Promise<CryptoKey>((resolve) => {
    const lookup = store.get(wrappingKeyName)
    lookup.onsuccess = () => {
      if (isCryptoKey(lookup.result)) return resolve(lookup.result)
      store.put(candidate, wrappingKeyName)
      resolve(candidate)
    }
  })
  await completion(transaction)
  return kept
}

function isCryptoKey(value: unknown): value is CryptoKey {
  return Object.prototype.toString.call(value) === '[object CryptoKey]'
}

function isSealedRecord(value: unknown): value is SealedRecord {
  const record = value as Partial<SealedRecord> | null
  return record?.iv instanceof Uint8Array && record.ciphertext instanceof Uint8Array
}

function decryptFailed(): KeyStoreError {
  return new KeyStoreError('KEYSTORE_DECRYPT_FAILED', 'The stored key cannot be decrypted', {
    details: 'the entry was changed or moved, or the database lost its wrapping key',
  })
}

function corrupt(details: string): KeyStoreError {
  return new KeyStoreError('KEYSTORE_CORRUPT', 'The key database is not in a readable format', {
    details,
  })
}

function unavailable(shortMessage: string, cause: unknown): KeyStoreError {
  return new KeyStoreError('KEYSTORE_UNAVAILABLE', shortMessage, { cause })
}
