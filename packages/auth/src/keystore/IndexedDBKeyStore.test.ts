import { inspect } from 'node:util'
import { IDBFactory } from 'fake-indexeddb'
import { describe, expect, test } from 'vitest'
import { IndexedDBKeyStore } from './IndexedDBKeyStore.js'

const secret = Uint8Array.from({ length: 32 }, (_, index) => 200 - index)

/** Resolves an IDB request directly (the tests read and edit the raw database). */
function request<result>(idbRequest: IDBRequest<result>): Promise<result> {
  return new Promise((resolve, reject) => {
    idbRequest.onsuccess = () => resolve(idbRequest.result)
    idbRequest.onerror = () => reject(idbRequest.error)
  })
}

async function rawDatabase(factory: IDBFactory, name = 'fabstir-keys') {
  const database = await request(factory.open(name))
  const read = (store: string, key: string) =>
    request<unknown>(database.transaction(store).objectStore(store).get(key))
  const write = (store: string, key: string, value: unknown) =>
    request(database.transaction(store, 'readwrite').objectStore(store).put(value, key))
  const remove = (store: string, key: string) =>
    request(database.transaction(store, 'readwrite').objectStore(store).delete(key))
  return { database, read, write, remove }
}

function containsSequence(haystack: Uint8Array, needle: Uint8Array): boolean {
  return Buffer.from(haystack).indexOf(Buffer.from(needle)) !== -1
}

describe('IndexedDBKeyStore on fake-indexeddb (an in-memory IndexedDB for Node)', () => {
  test('stores, reads back, lists and deletes keys across instances on one database', async () => {
    const indexedDB = new IDBFactory()
    const store = new IndexedDBKeyStore({ indexedDB })
    expect(await store.list()).toEqual([])
    expect(await store.get('host')).toBeUndefined()
    expect(await store.delete('host')).toBe(false)
    const key = new Uint8Array(secret)
    await store.set('session:42', Uint8Array.of(1, 2, 3))
    await store.set('host', key)
    key.fill(0) // the store kept its own copy
    const again = new IndexedDBKeyStore({ indexedDB })
    const read = await again.get('host')
    expect(read).toEqual(secret)
    read?.fill(7)
    expect(await again.get('host')).toEqual(secret)
    expect(await again.list()).toEqual(['host', 'session:42'])
    expect(await again.delete('session:42')).toBe(true)
    expect(await again.delete('session:42')).toBe(false)
    await again.set('host', Uint8Array.of(5))
    expect(await store.get('host')).toEqual(Uint8Array.of(5))
    expect(await store.list()).toEqual(['host'])
    // another database name on the same IndexedDB is another store
    expect(await new IndexedDBKeyStore({ indexedDB, databaseName: 'other' }).list()).toEqual([])
  })

  test('the database holds AES-GCM ciphertext and a non-extractable CryptoKey, no plaintext', async () => {
    const indexedDB = new IDBFactory()
    const store = new IndexedDBKeyStore({ indexedDB, databaseName: 'keys-test' })
    await store.set('host', secret)
    await store.set('copy', secret)
    const raw = await rawDatabase(indexedDB, 'keys-test')
    const record = (await raw.read('keys', 'host')) as Record<string, Uint8Array>
    expect(Object.keys(record).sort()).toEqual(['ciphertext', 'iv'])
    expect(record.iv).toBeInstanceOf(Uint8Array)
    expect(record.iv?.length).toBe(12)
    expect(record.ciphertext?.length).toBe(secret.length + 16) // + the GCM tag
    for (const value of Object.values(record)) {
      expect(containsSequence(value, secret)).toBe(false)
      expect(containsSequence(value, secret.subarray(0, 8))).toBe(false)
    }
    const copy = (await raw.read('keys', 'copy')) as Record<string, Uint8Array>
    expect(copy.iv).not.toEqual(record.iv) // a fresh IV per entry
    expect(copy.ciphertext).not.toEqual(record.ciphertext)
    const wrappingKey = (await raw.read('meta', 'wrapping-key')) as CryptoKey
    expect(Object.prototype.toString.call(wrappingKey)).toBe('[object CryptoKey]')
    expect(wrappingKey.extractable).toBe(false)
    expect(wrappingKey.algorithm).toEqual({ name: 'AES-GCM', length: 256 })
    expect([...wrappingKey.usages].sort()).toEqual(['decrypt', 'encrypt'])
    await expect(crypto.subtle.exportKey('raw', wrappingKey)).rejects.toThrow()
    raw.database.close()
  })

  test('tampered or swapped entries fail with KEYSTORE_DECRYPT_FAILED', async () => {
    const indexedDB = new IDBFactory()
    const store = new IndexedDBKeyStore({ indexedDB })
    await store.set('a', Uint8Array.of(1))
    await store.set('b', Uint8Array.of(2))
    const raw = await rawDatabase(indexedDB)
    const a = (await raw.read('keys', 'a')) as { iv: Uint8Array; ciphertext: Uint8Array }
    const b = (await raw.read('keys', 'b')) as { iv: Uint8Array; ciphertext: Uint8Array }
    const decryptFailed = { name: 'KeyStoreError', code: 'KEYSTORE_DECRYPT_FAILED' }

    await raw.write('keys', 'a', b)
    await raw.write('keys', 'b', a)
    await expect(store.get('a')).rejects.toMatchObject(decryptFailed)
    await expect(store.get('b')).rejects.toMatchObject(decryptFailed)

    const flipped = new Uint8Array(a.ciphertext)
    flipped[0] = (flipped[0] ?? 0) ^ 1
    await raw.write('keys', 'a', { ...a, ciphertext: flipped })
    await expect(store.get('a')).rejects.toMatchObject(decryptFailed)
    await raw.write('keys', 'a', { ...a, iv: new Uint8Array(8) })
    await expect(store.get('a')).rejects.toMatchObject(decryptFailed)

    // an entry whose wrapping key is gone cannot be read
    await raw.write('keys', 'a', a)
    expect(await store.get('a')).toEqual(Uint8Array.of(1))
    await raw.remove('meta', 'wrapping-key')
    await expect(store.get('a')).rejects.toMatchObject(decryptFailed)
    raw.database.close()
  })

  test('an entry or a database that is not a key store is KEYSTORE_CORRUPT', async () => {
    const indexedDB = new IDBFactory()
    const store = new IndexedDBKeyStore({ indexedDB })
    await store.set('a', Uint8Array.of(1))
    const raw = await rawDatabase(indexedDB)
    for (const value of ['text', null, { iv: 'AAAA', ciphertext: 'AAAA' }]) {
      await raw.write('keys', 'a', value)
      await expect(store.get('a')).rejects.toMatchObject({ code: 'KEYSTORE_CORRUPT' })
    }
    raw.database.close()

    const foreign = new IDBFactory()
    const opening = foreign.open('fabstir-keys', 1)
    opening.onupgradeneeded = () => opening.result.createObjectStore('something-else')
    ;(await request(opening)).close()
    await expect(new IndexedDBKeyStore({ indexedDB: foreign }).list()).rejects.toMatchObject({
      code: 'KEYSTORE_CORRUPT',
    })

    const newer = new IDBFactory()
    ;(await request(newer.open('fabstir-keys', 2))).close()
    await expect(new IndexedDBKeyStore({ indexedDB: newer }).list()).rejects.toMatchObject({
      code: 'KEYSTORE_CORRUPT',
    })
  })

  test('concurrent first writes from two stores keep one wrapping key', async () => {
    const indexedDB = new IDBFactory()
    const first = new IndexedDBKeyStore({ indexedDB })
    const second = new IndexedDBKeyStore({ indexedDB })
    await Promise.all([
      first.set('a', Uint8Array.of(1)),
      second.set('b', Uint8Array.of(2)),
      first.set('c', Uint8Array.of(3)),
    ])
    expect(await second.get('a')).toEqual(Uint8Array.of(1))
    expect(await first.get('b')).toEqual(Uint8Array.of(2))
    expect(await second.get('c')).toEqual(Uint8Array.of(3))
  })

  test('without IndexedDB or WebCrypto every call is KEYSTORE_UNAVAILABLE', async () => {
    expect(globalThis.indexedDB).toBeUndefined() // Node has none: the default finds nothing
    const unavailable = { name: 'KeyStoreError', code: 'KEYSTORE_UNAVAILABLE' }
    const store = new IndexedDBKeyStore()
    await expect(store.list()).rejects.toMatchObject(unavailable)
    await expect(store.get('a')).rejects.toMatchObject(unavailable)
    await expect(store.set('a', secret)).rejects.toMatchObject(unavailable)
    await expect(store.delete('a')).rejects.toMatchObject(unavailable)
    await expect(store.list()).rejects.toThrow('IndexedDB is not available')

    const insecure = new IndexedDBKeyStore({
      indexedDB: new IDBFactory(),
      crypto: {} as Crypto, // an insecure context: no crypto.subtle
    })
    await expect(insecure.set('a', secret)).rejects.toMatchObject(unavailable)
    await expect(insecure.get('a')).rejects.toThrow('WebCrypto is not available')
  })

  test('IndexedDB failures are KEYSTORE_UNAVAILABLE (IDBFactory stubbed to fail)', async () => {
    const denied = new DOMException('The operation is insecure.', 'SecurityError')
    const throwing = {
      open: () => {
        throw denied
      },
    } as unknown as IDBFactory
    await expect(new IndexedDBKeyStore({ indexedDB: throwing }).list()).rejects.toMatchObject({
      code: 'KEYSTORE_UNAVAILABLE',
      cause: denied,
    })

    // a failure inside an open database (here WebCrypto's encrypt, stubbed to fail)
    const indexedDB = new IDBFactory()
    const store = new IndexedDBKeyStore({ indexedDB })
    await store.set('a', Uint8Array.of(1))
    const failingCrypto = {
      getRandomValues: <array extends ArrayBufferView | null>(array: array) => array,
      subtle: {
        encrypt: async () => {
          throw new Error('engine failure')
        },
      },
    } as unknown as Crypto
    await expect(
      new IndexedDBKeyStore({ indexedDB, crypto: failingCrypto }).set('a', Uint8Array.of(2)),
    ).rejects.toMatchObject({ code: 'KEYSTORE_UNAVAILABLE' })
    expect(await store.get('a')).toEqual(Uint8Array.of(1))
  })

  test('checks names, sizes, options and the abort signal, and never shows key bytes', async () => {
    const store = new IndexedDBKeyStore({ indexedDB: new IDBFactory() })
    await expect(store.set('../x', Uint8Array.of(1))).rejects.toThrow(TypeError)
    await expect(store.set('x', new Uint8Array(0))).rejects.toThrow(TypeError)
    await expect(store.set('x', new Uint8Array(1025))).rejects.toThrow(TypeError)
    await expect(store.get('')).rejects.toThrow(TypeError)
    await expect(store.delete('a b')).rejects.toThrow(TypeError)
    const signal = AbortSignal.abort()
    await expect(store.list({ signal })).rejects.toMatchObject({ name: 'AbortError' })
    await expect(store.get('x', { signal })).rejects.toMatchObject({ name: 'AbortError' })
    await expect(store.set('x', secret, { signal })).rejects.toMatchObject({ name: 'AbortError' })
    await expect(store.delete('x', { signal })).rejects.toMatchObject({ name: 'AbortError' })
    expect(await store.list()).toEqual([])
    expect(() => new IndexedDBKeyStore({ databaseName: '' })).toThrow(TypeError)

    await store.set('host', secret)
    expect(JSON.stringify(store)).toBe('{"type":"IndexedDBKeyStore","databaseName":"fabstir-keys"}')
    expect(inspect(store)).toBe(
      'IndexedDBKeyStore { databaseName: "fabstir-keys", keys: [redacted] }',
    )
    expect(Object.keys(store)).toEqual(['databaseName'])
  })
})
