import { constants, createDeflateRaw, createGzip } from 'node:zlib'
import { describe, expect, test } from 'vitest'
import { decompressFrame, ProtocolError } from '../src/index.js'

const gib = 1024 * 1024 * 1024
const mib = 1024 * 1024

// Compresses `size` zero bytes as a stream, so the bomb never exists inflated in this process.
async function makeBomb(size: number, codec: 'gzip' | 'deflate-raw'): Promise<Uint8Array> {
  const options = { level: constants.Z_BEST_COMPRESSION }
  const stream = codec === 'gzip' ? createGzip(options) : createDeflateRaw(options)
  const out: Buffer[] = []
  stream.on('data', (chunk: Buffer) => out.push(chunk))
  const done = new Promise((resolve, reject) => stream.on('end', resolve).on('error', reject))
  const zeros = Buffer.alloc(mib)
  for (let written = 0; written < size; written += mib) {
    if (!stream.write(zeros)) await new Promise((resolve) => stream.once('drain', resolve))
  }
  stream.end()
  await done
  return new Uint8Array([codec === 'gzip' ? 0x02 : 0x01, ...Buffer.concat(out)])
}

describe('decompression bomb', () => {
  test.each(['deflate-raw', 'gzip'] as const)(
    '%s inflating to 1 GiB is rejected in bounded memory',
    async (codec) => {
      const bomb = await makeBomb(gib, codec)
      expect(bomb.length).toBeLessThan(2 * mib)
      const peakBefore = process.resourceUsage().maxRSS * 1024
      let error: unknown
      try {
        decompressFrame(bomb, { maxBytes: 4 * mib })
      } catch (caught) {
        error = caught
      }
      const peakGrowth = process.resourceUsage().maxRSS * 1024 - peakBefore
      expect(ProtocolError.isInstance(error) && error.code).toBe('MESSAGE_TOO_LARGE')
      // Inflating the whole bomb would need 1 GiB; the cap plus one slice's output is ~8 MiB.
      expect(peakGrowth).toBeLessThan(128 * mib)
    },
    120_000,
  )
})
