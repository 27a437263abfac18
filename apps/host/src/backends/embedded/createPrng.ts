/**
 * A seeded pseudo-random generator (mulberry32): the same seed and salt give the same numbers,
 * which makes sampled replies reproducible. Not for cryptography.
 *
 * @param seed - any number; its low 32 bits are used.
 * @param salt - text mixed into the seed (FNV-1a), e.g. the prompt, so each prompt gets its own
 *   sequence under one seed. @default ''
 * @returns a function returning the next number in [0, 1).
 *
 * @example
 * ```ts
 * import { createPrng } from './createPrng.js'
 *
 * const random = createPrng(42, 'Hello')
 * random() // the same value on every run
 * ```
 */
export function createPrng(seed: number, salt = ''): () => number {
  let state = (seed | 0) ^ 0x811c9dc5
  for (let index = 0; index < salt.length; index++) {
    state = Math.imul(state ^ salt.charCodeAt(index), 0x01000193)
  }
  return () => {
    state = (state + 0x6d2b79f5) | 0
    let mixed = Math.imul(state ^ (state >>> 15), state | 1)
    mixed ^= mixed + Math.imul(mixed ^ (mixed >>> 7), mixed | 61)
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 4294967296
  }
}
