import { scrypt as nodeScrypt } from 'node:crypto'
import { chmod, mkdir, open, readFile, rename, rm } from 'node:fs/promises'
import { dirname } from 'node:path'
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js'
import { randomBytes, utf8ToBytes } from '@noble/hashes/utils.js'
import { KeyStoreError } from '../errors/KeyStoreError.js'
import { base64urlFromBytes, bytesFromBase64url, hexFromBytes } from '../internal/encoding.js'
import {
  assertKeyBytes,
  assertKeyName,
  inspectSymbol,
  type KeyStore,
  type KeyStoreCallOptions,
  throwIfAborted,
} from './KeyStore.js'

/** scrypt cost parameters (RFC 7914). */
export type ScryptParameters = {
  /** CPU/memory cost, a power of two; memory is 128 · N · r bytes. @default 131072 (2^17) */
  N?: number
  /** Block size. @default 8 */
  r?: number
  /** Parallelism. @default 1 */
  p?: number
}

/** Options of a {@link FileKeyStore}. */
export type FileKeyStoreOptions = {
  /** The file the keys live in, created on the first `set` (its folder too, mode 0700). */
  path: string
  /** The passphrase the file key is derived from (strings are NFKC-normalised UTF-8). */
  passphrase: string | Uint8Array
  /**
   * scrypt parameters for a new file, and the minimum an existing file must use (a file with
   * weaker parameters is refused as `KEYSTORE_CORRUPT`, so it cannot be downgraded).
   * @default { N: 2 ** 17, r: 8, p: 1 } (128 MiB, about 0.5–1 s in JavaScript)
   */
  scrypt?: ScryptParameters
}

type Sealed = { nonce: string; ciphertext: string }
type KeyFile = {
  format: 'fabstir-keystore'
  version: 1
  kdf: { name: 'scrypt'; N: number; r: number; p: number; salt: string }
  cipher: 'xchacha20poly1305'
  check: Sealed
  keys: Record<string, Sealed>
}

const checkLabel = utf8ToBytes('fabstir-keystore/1:check')
const keyLabel = (name: string) => utf8ToBytes(`fabstir-keystore/1:key:${name}`)
const limits = { N: 2 ** 22, r: 32, p: 16, memory: 2 ** 30 }

/**
 * An encrypted {@link KeyStore} in one file, for Node (from `@fabstir/auth/node`).
 *
 * - A 32-byte file key is derived from the passphrase with scrypt (N = 2^17, r = 8, p = 1 by
 *   default, a random 16-byte salt per file), kept in memory only while the store object lives.
 * - Each key is sealed with XChaCha20-Poly1305 under a fresh random 24-byte nonce, with its name
 *   as associated data, so entries cannot be swapped. A sealed check value detects a wrong
 *   passphrase before anything is written.
 * - The file is JSON (format and parameters readable, keys not), written atomically (a temporary
 *   file in the same folder, `fsync`, `rename`) with mode 0600.
 * - Calls on one store object run one at a time; two processes writing one file are not
 *   coordinated (the last writer wins).
 *
 * The passphrase and key bytes never appear in errors, `JSON.stringify` or `console.log`.
 *
 * @example
 * ```ts
 * import { SessionKey, generateSessionKey } from '@fabstir/auth'
 * import { FileKeyStore } from '@fabstir/auth/node'
 *
 * const store = new FileKeyStore({ path: '/var/lib/fabstir/keys.json', passphrase })
 * const stored = await store.get('host-identity')
 * const identity = stored
 *   ? await SessionKey.fromPrivateKey(stored)
 *   : await generateSessionKey()
 * if (!stored) await store.set('host-identity', identity.privateKey)
 * ```
 */
export class FileKeyStore implements KeyStore {
  /** The file's path. */
  readonly path: string
  readonly #passphrase: Uint8Array
  readonly #scrypt: Required<ScryptParameters>
  #derived: { salt: string; key: Promise<Uint8Array> } | undefined
  #queue: Promise<unknown> = Promise.resolve()

  /**
   * @param options - the file, the passphrase and the scrypt parameters.
   * @throws {TypeError} for an empty path or passphrase.
   * @throws {RangeError} for scrypt parameters out of range (N a power of two from 2^10 to
   *   2^22, r from 1 to 32, p from 1 to 16, at most 1 GiB of memory).
   */
  constructor({ path, passphrase, scrypt = {} }: FileKeyStoreOptions) {
    if (typeof path !== 'string' || path.length === 0) throw new TypeError('path is required')
    const bytes =
      typeof passphrase === 'string' ? utf8ToBytes(passphrase.normalize('NFKC')) : passphrase
    if (!(bytes instanceof Uint8Array) || bytes.length === 0) {
      throw new TypeError('passphrase must be a non-empty string or bytes')
    }
    const { N = 2 ** 17, r = 8, p = 1 } = scrypt
    if (!isPowerOfTwo(N) || N < 2 ** 10 || N > limits.N) {
      throw new RangeError('scrypt.N must be a power of two from 2^10 to 2^22')
    }
    if (!inRange(r, 1, limits.r)) throw new RangeError('scrypt.r must be from 1 to 32')
    if (!inRange(p, 1, limits.p)) throw new RangeError('scrypt.p must be from 1 to 16')
    if (128 * N * r > limits.memory) throw new RangeError('scrypt needs more than 1 GiB (128·N·r)')
    this.path = path
    this.#passphrase = new Uint8Array(bytes)
    this.#scrypt = { N, r, p }
  }

  async get(name: string, options?: KeyStoreCallOptions): Promise<Uint8Array | undefined> {
    throwIfAborted(options)
    assertKeyName(name)
    return this.#serial(async () => {
      const file = await this.#read()
      const sealed = file?.keys[name]
      if (!file || !sealed) return undefined
      const fileKey = await this.#unlock(file)
      return open_(fileKey, sealed, keyLabel(name))
    })
  }

  async set(name: string, key: Uint8Array, options?: KeyStoreCallOptions): Promise<void> {
    throwIfAborted(options)
    assertKeyName(name)
    assertKeyBytes(key)
    const copy = new Uint8Array(key)
    await this.#serial(async () => {
      const file = (await this.#read()) ?? (await this.#create())
      const fileKey = await this.#unlock(file)
      file.keys[name] = seal(fileKey, copy, keyLabel(name))
      copy.fill(0)
      await this.#write(file)
    })
  }

  async delete(name: string, options?: KeyStoreCallOptions): Promise<boolean> {
    throwIfAborted(options)
    assertKeyName(name)
    return this.#serial(async () => {
      const file = await this.#read()
      if (!file || !Object.hasOwn(file.keys, name)) return false
      await this.#unlock(file) // only the passphrase holder may change the file
      delete file.keys[name]
      await this.#write(file)
      return true
    })
  }

  async list(options?: KeyStoreCallOptions): Promise<string[]> {
    throwIfAborted(options)
    return this.#serial(async () => Object.keys((await this.#read())?.keys ?? {}).sort())
  }

  /** What `JSON.stringify` writes: the path only. */
  toJSON(): { type: 'FileKeyStore'; path: string } {
    return { type: 'FileKeyStore', path: this.path }
  }

  /** What Node's `util.inspect` and `console.log` print. */
  [inspectSymbol](): string {
    return `FileKeyStore { path: ${JSON.stringify(this.path)}, passphrase: [redacted] }`
  }

  #serial<result>(task: () => Promise<result>): Promise<result> {
    const run = this.#queue.then(task, task)
    this.#queue = run.catch(() => undefined)
    return run
  }

  async #create(): Promise<KeyFile> {
    const salt = base64urlFromBytes(randomBytes(16))
    const kdf = { name: 'scrypt' as const, ...this.#scrypt, salt }
    const fileKey = await this.#deriveKey(kdf)
    return {
      format: 'fabstir-keystore',
      version: 1,
      kdf,
      cipher: 'xchacha20poly1305',
      check: seal(fileKey, new Uint8Array(0), checkLabel),
      keys: {},
    }
  }

  /** The file key, after the check value proved the passphrase right. */
  async #unlock(file: KeyFile): Promise<Uint8Array> {
    const fileKey = await this.#deriveKey(file.kdf)
    open_(fileKey, file.check, checkLabel)
    return fileKey
  }

  #deriveKey(kdf: KeyFile['kdf']): Promise<Uint8Array> {
    if (this.#derived?.salt !== kdf.salt) {
      const salt = bytesFromBase64url(kdf.salt) ?? new Uint8Array(0)
      // Node's native scrypt: this store is Node-only, and N = 2^17 takes seconds in JavaScript.
      const key = new Promise<Uint8Array>((resolve, reject) =>
        nodeScrypt(
          this.#passphrase,
          salt,
          32,
          { N: kdf.N, r: kdf.r, p: kdf.p, maxmem: limits.memory + 1024 },
          (error, derived) => (error ? reject(error) : resolve(new Uint8Array(derived))),
        ),
      )
      this.#derived = { salt: kdf.salt, key }
      key.catch(() => {
        if (this.#derived?.key === key) this.#derived = undefined
      })
    }
    return this.#derived.key
  }

  async #read(): Promise<KeyFile | undefined> {
    let text: string
    try {
      text = await readFile(this.path, 'utf8')
    } catch (error) {
      if ((error as { code?: unknown }).code === 'ENOENT') return undefined
      throw new KeyStoreError('KEYSTORE_UNAVAILABLE', 'The key file cannot be read', {
        cause: error,
      })
    }
    return this.#parse(text)
  }

  #parse(text: string): KeyFile {
    let value: unknown
    try {
      value = JSON.parse(text)
    } catch {
      throw corrupt('the file is not JSON')
    }
    const file = value as Partial<KeyFile> | null
    if (file?.format !== 'fabstir-keystore' || file.version !== 1) {
      throw corrupt('not a fabstir-keystore file of version 1')
    }
    const { kdf } = file
    if (
      kdf?.name !== 'scrypt' ||
      !isPowerOfTwo(kdf.N) ||
      !inRange(kdf.r, 1, limits.r) ||
      !inRange(kdf.p, 1, limits.p) ||
      kdf.N > limits.N ||
      128 * kdf.N * kdf.r > limits.memory ||
      bytesFromBase64url(kdf.salt)?.length !== 16
    ) {
      throw corrupt('bad key derivation parameters')
    }
    if (kdf.N < this.#scrypt.N || kdf.r < this.#scrypt.r || kdf.p < this.#scrypt.p) {
      throw corrupt('the file uses weaker scrypt parameters than this store requires')
    }
    if (file.cipher !== 'xchacha20poly1305' || !isSealed(file.check)) {
      throw corrupt('bad cipher or check value')
    }
    const keys = file.keys
    if (typeof keys !== 'object' || keys === null || Array.isArray(keys)) {
      throw corrupt('bad key list')
    }
    const entries: Record<string, Sealed> = {}
    for (const [name, sealed] of Object.entries(keys)) {
      if (!/^[A-Za-z0-9._:-]{1,128}$/.test(name) || !isSealed(sealed)) throw corrupt('bad entry')
      entries[name] = { nonce: sealed.nonce, ciphertext: sealed.ciphertext }
    }
    return { ...(file as KeyFile), keys: entries }
  }

  async #write(file: KeyFile): Promise<void> {
    const temporary = `${this.path}.${hexFromBytes(randomBytes(8)).slice(2)}.tmp`
    try {
      await mkdir(dirname(this.path), { recursive: true, mode: 0o700 })
      const handle = await open(temporary, 'wx', 0o600)
      try {
        await handle.writeFile(`${JSON.stringify(file, null, 2)}\n`, 'utf8')
        await handle.sync()
      } finally {
        await handle.close()
      }
      await chmod(temporary, 0o600) // in case the umask took bits away from 0600 itself
      await rename(temporary, this.path)
      await syncFolder(dirname(this.path))
    } catch (error) {
      await rm(temporary, { force: true }).catch(() => undefined)
      throw new KeyStoreError('KEYSTORE_UNAVAILABLE', 'The key file cannot be written', {
        cause: error,
      })
    }
  }
}

function seal(fileKey: Uint8Array, plaintext: Uint8Array, label: Uint8Array): Sealed {
  const nonce = randomBytes(24)
  const ciphertext = xchacha20poly1305(fileKey, nonce, label).encrypt(plaintext)
  return { nonce: base64urlFromBytes(nonce), ciphertext: base64urlFromBytes(ciphertext) }
}

function open_(fileKey: Uint8Array, sealed: Sealed, label: Uint8Array): Uint8Array {
  const nonce = bytesFromBase64url(sealed.nonce)
  const ciphertext = bytesFromBase64url(sealed.ciphertext)
  try {
    if (nonce?.length !== 24 || ciphertext === undefined) throw new Error('malformed')
    return xchacha20poly1305(fileKey, nonce, label).decrypt(ciphertext)
  } catch {
    throw new KeyStoreError('KEYSTORE_DECRYPT_FAILED', 'The key file cannot be decrypted', {
      details: 'wrong passphrase, or the file was changed',
    })
  }
}

async function syncFolder(folder: string): Promise<void> {
  try {
    const handle = await open(folder, 'r')
    try {
      await handle.sync()
    } finally {
      await handle.close()
    }
  } catch {
    // Some platforms (Windows) cannot fsync a folder; the rename is still atomic there.
  }
}

function corrupt(details: string): KeyStoreError {
  return new KeyStoreError('KEYSTORE_CORRUPT', 'The key file is not in a readable format', {
    details,
  })
}

function isSealed(value: unknown): value is Sealed {
  const sealed = value as Partial<Sealed> | null
  return typeof sealed?.nonce === 'string' && typeof sealed.ciphertext === 'string'
}

function isPowerOfTwo(value: unknown): value is number {
  return typeof value === 'number' && value > 1 && Number.isInteger(Math.log2(value))
}

function inRange(value: unknown, min: number, max: number): value is number {
  return Number.isSafeInteger(value) && (value as number) >= min && (value as number) <= max
}
