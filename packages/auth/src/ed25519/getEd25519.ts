import type { FabstirError } from '@fabstir/protocol'
import type { Ed25519 } from './Ed25519.js'
import { isNativeEd25519Supported, nativeEd25519, unsupported } from './nativeEd25519.js'
import { nobleEd25519 } from './nobleEd25519.js'

/**
 * Which Ed25519 to use: `'auto'` (native when the platform has it, else noble), `'native'`,
 * `'noble'`, or an {@link Ed25519} object of your own.
 */
export type Ed25519Choice = 'auto' | 'native' | 'noble' | Ed25519

/** Options of every function that signs or verifies with Ed25519. */
export type Ed25519Options = {
  /**
   * The implementation; `'native'` throws where the platform lacks WebCrypto Ed25519.
   * @default 'auto'
   */
  ed25519?: Ed25519Choice
}

/** The error {@link getEd25519} throws: `'native'` was forced where the platform lacks it. */
export type GetEd25519ErrorType = FabstirError<'UNAVAILABLE'>

/**
 * Picks the Ed25519 implementation: the platform's WebCrypto Ed25519 when present (faster, and
 * keys stay inside the platform while it signs), otherwise `@noble/ed25519`.
 *
 * @param choice - `'auto'`, `'native'`, `'noble'` or an implementation. @default 'auto'
 * @returns the implementation.
 * @throws {FabstirError} `UNAVAILABLE` when `'native'` is forced and the platform has no WebCrypto Ed25519.
 * @example
 * ```ts
 * import { getEd25519 } from '@fabstir/auth'
 *
 * const ed25519 = await getEd25519() // 'native' on Node ≥ 20.19
 * const portable = await getEd25519('noble')
 * ```
 */
export async function getEd25519(choice: Ed25519Choice = 'auto'): Promise<Ed25519> {
  if (typeof choice === 'object') return choice
  if (choice === 'noble') return nobleEd25519
  const native = await isNativeEd25519Supported()
  if (choice === 'native' && !native) {
    throw unsupported()
  }
  return native ? nativeEd25519 : nobleEd25519
}
