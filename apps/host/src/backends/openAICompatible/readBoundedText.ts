/**
 * Reads at most `maxChars` characters of a response body and cancels the rest, so an error page
 * or a reply of unexpected size cannot take unbounded memory.
 *
 * @param response - a fetch response whose body is unread.
 * @param maxChars - most characters kept; the rest is dropped.
 * @returns the text read, and whether it was cut.
 */
export async function readBoundedText(
  response: Response,
  maxChars: number,
): Promise<{ text: string; truncated: boolean }> {
  if (!response.body) return { text: '', truncated: false }
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader()
  let text = ''
  try {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) return { text, truncated: false }
      text += value
      if (text.length > maxChars) return { text: text.slice(0, maxChars), truncated: true }
    }
  } finally {
    await reader.cancel().catch(() => {})
  }
}
