/** Maps `items` with at most `limit` calls of `map` running at once; results keep their order. */
export async function mapWithConcurrency<item, result>(
  items: readonly item[],
  limit: number,
  map: (item: item) => Promise<result>,
): Promise<result[]> {
  const results: result[] = new Array(items.length)
  let next = 0
  async function worker(): Promise<void> {
    while (next < items.length) {
      const index = next++
      results[index] = await map(items[index] as item)
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker))
  return results
}
