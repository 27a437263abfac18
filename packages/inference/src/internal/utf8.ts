/**
 * @internal The length of `text` in UTF-8 bytes, as `TextEncoder` would encode it (a lone
 * surrogate counts as the 3 bytes of U+FFFD), without encoding it.
 */
export function utf8ByteLength(text: string): number {
  let bytes = text.length
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index)
    if (code < 0x80) continue
    if (code < 0x800) {
      bytes += 1
      continue
    }
    const next = text.charCodeAt(index + 1)
    if (code >= 0xd800 && code <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
      // A surrogate pair: two UTF-16 units, four bytes.
      bytes += 2
      index++
      continue
    }
    bytes += 2
  }
  return bytes
}
