import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { inspect } from 'node:util'
import { afterAll, describe, expect, test } from 'vitest'
import { FileKeyStore } from './FileKeyStore.js'

const folder = await mkdtemp(join(tmpdir(), 'fabstir-auth-'))
afterAll(() => rm(folder, { recursive: true, force: true }))

// Low scrypt cost keeps the suite fast; one test below uses the defaults.
const fast = { N: 2 ** 10, r: 8, p: 1 }
let counter = 0
const newPath = () => join(folder, `store-${++counter}`, 'keys.json')
const secret = Uint8Array.from({ length: 32 }, (_, index) => 200 - index)

describe('FileKeyStore', () => {
  test('stores, reads back, lists and deletes keys across instances', async () => {
    const path = newPath()
    const store = new FileKeyStore({ path, passphrase: 'correct horse', scrypt: fast })
    expect(await store.list()).toEqual([])
    expect(await store.get('host')).toBeUndefined()
    expect(await store.delete('host')).toBe(false)
    await store.set('host', secret)
    await store.set('session:42', Uint8Array.of(1, 2, 3))
    const again = new FileKeyStore({ path, passphrase: 'correct horse', scrypt: fast })
    expect(await again.get('host')).toEqual(secret)
    expect(await again.list()).toEqual(['host', 'session:42'])
    expect(await again.delete('session:42')).toBe(true)
    expect(await store.list()).toEqual(['host'])
  })

  test('the file is mode 0600, JSON without plaintext keys, written without leftovers', async () => {
    const path = newPath()
    const store = new FileKeyStore({ path, passphrase: 'pw', scrypt: fast })
    await store.set('host', secret)
    await store.set('host', secret)
    expect((await stat(path)).mode & 0o777).toBe(0o600)
    const text = await readFile(path, 'utf8')
    const hex = Buffer.from(secret).toString('hex')
    for (const encoding of [
      hex,
      Buffer.from(secret).toString('base64'),
      Buffer.from(secret).toString('base64url'),
    ]) {
      expect(text).not.toContain(encoding)
    }
    const file = JSON.parse(text)
    expect(file).toMatchObject({
      format: 'fabstir-keystore',
      version: 1,
      kdf: { name: 'scrypt', N: 1024, r: 8, p: 1 },
      cipher: 'xchacha20poly1305',
    })
    expect(await readdir(join(path, '..'))).toEqual(['keys.json'])
  })

  test('a wrong passphrase fails with KEYSTORE_DECRYPT_FAILED and changes nothing', async () => {
    const path = newPath()
    await new FileKeyStore({ path, passphrase: 'right', scrypt: fast }).set('host', secret)
    const before = await readFile(path, 'utf8')
    const wrong = new FileKeyStore({ path, passphrase: 'wrong', scrypt: fast })
    await expect(wrong.get('host')).rejects.toMatchObject({
      name: 'KeyStoreError',
      code: 'KEYSTORE_DECRYPT_FAILED',
    })
    await expect(wrong.set('other', secret)).rejects.toMatchObject({
      code: 'KEYSTORE_DECRYPT_FAILED',
    })
    await expect(wrong.delete('host')).rejects.toMatchObject({ code: 'KEYSTORE_DECRYPT_FAILED' })
    expect(await readFile(path, 'utf8')).toBe(before)
  })

  test('tampered or swapped entries fail with KEYSTORE_DECRYPT_FAILED', async () => {
    const path = newPath()
    const store = new FileKeyStore({ path, passphrase: 'pw', scrypt: fast })
    await store.set('a', Uint8Array.of(1))
    await store.set('b', Uint8Array.of(2))
    const file = JSON.parse(await readFile(path, 'utf8'))
    const swapped = { ...file, keys: { a: file.keys.b, b: file.keys.a } }
    await writeFile(path, JSON.stringify(swapped))
    await expect(store.get('a')).rejects.toMatchObject({ code: 'KEYSTORE_DECRYPT_FAILED' })
    const flipped = structuredClone(file)
    // Another first character (the same one would change nothing: a 1-in-64 false pass).
    const first = flipped.keys.a.ciphertext[0] === 'B' ? 'C' : 'B'
    flipped.keys.a.ciphertext = `${first}${flipped.keys.a.ciphertext.slice(1)}`
    await writeFile(path, JSON.stringify(flipped))
    await expect(store.get('a')).rejects.toMatchObject({ code: 'KEYSTORE_DECRYPT_FAILED' })
    const badNonce = structuredClone(file)
    badNonce.keys.a.nonce = 'AAAA'
    await writeFile(path, JSON.stringify(badNonce))
    await expect(store.get('a')).rejects.toMatchObject({ code: 'KEYSTORE_DECRYPT_FAILED' })
  })

  test('unreadable or downgraded files fail with KEYSTORE_CORRUPT', async () => {
    const path = newPath()
    const store = new FileKeyStore({ path, passphrase: 'pw', scrypt: fast })
    await store.set('a', Uint8Array.of(1))
    const file = JSON.parse(await readFile(path, 'utf8'))
    const variants: unknown[] = [
      'not json',
      null,
      { ...file, version: 2 },
      { ...file, kdf: { ...file.kdf, name: 'pbkdf2' } },
      { ...file, kdf: { ...file.kdf, N: 1000 } },
      { ...file, kdf: { ...file.kdf, N: 2 ** 23 } },
      { ...file, kdf: { ...file.kdf, r: 0 } },
      { ...file, kdf: { ...file.kdf, p: 17 } },
      { ...file, kdf: { ...file.kdf, N: 2 ** 21, r: 32 } },
      { ...file, kdf: { ...file.kdf, salt: 'AAAA' } },
      { ...file, cipher: 'aes-gcm' },
      { ...file, check: null },
      { ...file, keys: [] },
      { ...file, keys: { '../a': file.keys.a } },
      { ...file, keys: { a: { nonce: 1 } } },
    ]
    for (const variant of variants) {
      await writeFile(path, typeof variant === 'string' ? variant : JSON.stringify(variant))
      await expect(store.get('a')).rejects.toMatchObject({ code: 'KEYSTORE_CORRUPT' })
    }
    // a file weaker than the store requires is refused (no downgrade by editing the file)
    await writeFile(path, JSON.stringify(file))
    const stricter = new FileKeyStore({ path, passphrase: 'pw', scrypt: { ...fast, N: 2 ** 11 } })
    await expect(stricter.get('a')).rejects.toMatchObject({ code: 'KEYSTORE_CORRUPT' })
  })

  test('file system failures are KEYSTORE_UNAVAILABLE', async () => {
    const blocker = join(folder, 'a-file')
    await writeFile(blocker, 'x')
    const store = new FileKeyStore({
      path: join(blocker, 'keys.json'),
      passphrase: 'pw',
      scrypt: fast,
    })
    await expect(store.get('a')).rejects.toMatchObject({ code: 'KEYSTORE_UNAVAILABLE' })
    await expect(store.set('a', Uint8Array.of(1))).rejects.toMatchObject({
      code: 'KEYSTORE_UNAVAILABLE',
    })
  })

  test('calls on one store run one at a time', async () => {
    const path = newPath()
    const store = new FileKeyStore({ path, passphrase: 'pw', scrypt: fast })
    await Promise.all(
      Array.from({ length: 8 }, (_, index) => store.set(`k${index}`, Uint8Array.of(index + 1))),
    )
    expect(await store.list()).toEqual(['k0', 'k1', 'k2', 'k3', 'k4', 'k5', 'k6', 'k7'])
  })

  test('never shows the passphrase; checks its options', async () => {
    const store = new FileKeyStore({ path: '/tmp/x.json', passphrase: 'hunter2', scrypt: fast })
    expect(inspect(store)).not.toContain('hunter2')
    expect(JSON.stringify(store)).toBe('{"type":"FileKeyStore","path":"/tmp/x.json"}')
    expect(Object.keys(store)).toEqual(['path'])
    expect(() => new FileKeyStore({ path: '', passphrase: 'pw' })).toThrow(TypeError)
    expect(() => new FileKeyStore({ path: 'x', passphrase: '' })).toThrow(TypeError)
    expect(() => new FileKeyStore({ path: 'x', passphrase: 'pw', scrypt: { N: 1000 } })).toThrow(
      RangeError,
    )
    expect(() => new FileKeyStore({ path: 'x', passphrase: 'pw', scrypt: { r: 0 } })).toThrow(
      RangeError,
    )
    expect(() => new FileKeyStore({ path: 'x', passphrase: 'pw', scrypt: { p: 0 } })).toThrow(
      RangeError,
    )
    expect(
      () => new FileKeyStore({ path: 'x', passphrase: 'pw', scrypt: { N: 2 ** 22, r: 8 } }),
    ).toThrow(RangeError)
  })

  test('the default scrypt parameters (N = 2^17, r = 8, p = 1) work', async () => {
    const path = newPath()
    const store = new FileKeyStore({ path, passphrase: Uint8Array.of(1, 2, 3) })
    await store.set('host', secret)
    expect(JSON.parse(await readFile(path, 'utf8')).kdf).toMatchObject({ N: 2 ** 17, r: 8, p: 1 })
    expect(await store.get('host')).toEqual(secret)
  })
})
