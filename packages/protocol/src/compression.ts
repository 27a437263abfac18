import { deflateSync, Gunzip, gzipSync, Inflate } from 'fflate'
import { ProtocolError } from './errors/ProtocolError.js'
import type { CompressionName } from './messages/common.js'

/** The first byte of a compressed binary frame names its codec (PROTOCOL.md §6). */
export const compressionCodes: Readonly<Record<CompressionName, number>> = {
  'deflate-raw': 0x01,
  gzip: 0x02,
}

/** Compression this package can read and write, in the order a client offers it. */
export const supportedCompression: readonly CompressionName[] = ['gzip', 'deflate-raw']

// Input is fed to the inflater in slices this large: deflate expands a slice at most ~1032×, so the
// output is checked against the cap at least every ~4 MiB however hostile the input.
const inflateSliceBytes = 4096

/**
 * Picks the compression for a session: the first of the client's offer that the host supports.
 *
 * @param offered - the client's `compression` list, in its order of preference.
 * @param supported - what the host accepts. @default supportedCompression
 * @returns the chosen name, or `null` for none.
 */
export function negotiateCompression(
  offered: readonly string[] | undefined,
  supported: readonly CompressionName[] = supportedCompression,
): CompressionName | null {
  const choice = offered?.find((name) => (supported as readonly string[]).includes(name))
  return (choice as CompressionName | undefined) ?? null
}

/**
 * Builds a compressed binary frame: the codec byte, then the compressed UTF-8 JSON.
 *
 * @param json - the message's JSON text or its UTF-8 bytes.
 * @param compression - the session's negotiated compression.
 */
export function compressFrame(json: string | Uint8Array, compression: CompressionName): Uint8Array {
  const bytes = typeof json === 'string' ? new TextEncoder().encode(json) : json
  const body = compression === 'gzip' ? gzipSync(bytes) : deflateSync(bytes)
  const frame = new Uint8Array(body.length + 1)
  frame[0] = compressionCodes[compression]
  frame.set(body, 1)
  return frame
}

/** Options of {@link decompressFrame}. */
export type DecompressFrameOptions = {
  /** Inflation stops past this many bytes with `MESSAGE_TOO_LARGE`. */
  maxBytes: number
  /** Codecs the session negotiated; a frame of another is a `BAD_MESSAGE`. @default supportedCompression */
  accept?: readonly CompressionName[]
}

/**
 * Inflates a compressed binary frame, never holding much more than `maxBytes` of output: a
 * decompression bomb costs the receiver almost nothing.
 *
 * @param frame - the binary frame: codec byte, then the compressed body.
 * @returns the inflated UTF-8 JSON bytes.
 * @throws {ProtocolError} `BAD_MESSAGE` for an unknown or unnegotiated codec or a corrupt body;
 *   `MESSAGE_TOO_LARGE` when the inflated message would exceed `maxBytes`.
 */
export function decompressFrame(
  frame: Uint8Array,
  { maxBytes, accept = supportedCompression }: DecompressFrameOptions,
): Uint8Array {
  const compression = accept.find((name) => compressionCodes[name] === frame[0])
  if (compression === undefined) {
    const code = frame.length === 0 ? 'empty frame' : `codec byte 0x${hexByte(frame[0])}`
    throw new ProtocolError('BAD_MESSAGE', 'Binary frame has no compression this session accepts', {
      details: code,
    })
  }
  if (frame.length === 1) throw new ProtocolError('BAD_MESSAGE', 'Binary frame has an empty body')
  const chunks: Uint8Array[] = []
  let total = 0
  const inflater = compression === 'gzip' ? new Gunzip() : new Inflate()
  inflater.ondata = (chunk) => {
    total += chunk.length
    if (total <= maxBytes) chunks.push(chunk)
  }
  try {
    for (let offset = 1; offset < frame.length && total <= maxBytes; offset += inflateSliceBytes) {
      const end = Math.min(offset + inflateSliceBytes, frame.length)
      inflater.push(frame.subarray(offset, end), end === frame.length)
    }
  } catch (error) {
    throw new ProtocolError('BAD_MESSAGE', `Corrupt ${compression} frame`, { cause: error })
  }
  if (total > maxBytes) {
    throw new ProtocolError('MESSAGE_TOO_LARGE', 'Message exceeds the size limit', {
      details: `inflates to more than ${maxBytes} bytes`,
    })
  }
  // The streaming inflater ignores the gzip trailer; its length field catches a cut-off frame.
  if (compression === 'gzip' && trailerLength(frame) !== total % 2 ** 32) {
    throw new ProtocolError('BAD_MESSAGE', 'Corrupt gzip frame', { details: 'length mismatch' })
  }
  return concat(chunks, total)
}

function trailerLength(frame: Uint8Array): number {
  if (frame.length < 9) return -1
  return new DataView(frame.buffer, frame.byteOffset + frame.length - 4, 4).getUint32(0, true)
}

function concat(chunks: readonly Uint8Array[], length: number): Uint8Array {
  if (chunks.length === 1 && chunks[0]) return chunks[0]
  const out = new Uint8Array(length)
  let offset = 0
  for (const chunk of chunks) {
    out.set(chunk, offset)
    offset += chunk.length
  }
  return out
}

function hexByte(byte: number | undefined): string {
  return (byte ?? 0).toString(16).padStart(2, '0')
}
