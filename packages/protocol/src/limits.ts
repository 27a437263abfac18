/** The protocol this package implements. */
export const protocolVersion = 'fabstir/1'

/** Largest message either side accepts, after decompression, unless the host announces another. */
export const defaultMaxMessageBytes = 4 * 1024 * 1024

/** Messages of at least this many bytes of JSON may travel compressed (PROTOCOL.md §6). */
export const compressionThresholdBytes = 1024
