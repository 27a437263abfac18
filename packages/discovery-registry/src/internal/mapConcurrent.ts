/**
 * @internal Maps `items` through `run` with at most `concurrency` calls in flight, keeping the
 * order of `items`. Stops starting new calls once one rejects or `signal` fires, and rejects with
 * that error.
 */
export async function mapConcurrent<item, result>(
  items: readonly item[],
  concurrency: number,
  run: (item: item, index: number) => Promise<result>,
  signal?: AbortSignal,
): Promise<result[]> {
  const results = new Array<result>(items.length)
  let next = 0
  let failed = false
  const worker = async () => {
    while (!failed && next < items.length) {
      signal?.throwIfAborted()
      const index = next
      next += 1
      try {
        results[index] = await run(items[index] as item, index)
      } catch (error) {
        failed = true
        throw error
      }
    }
  }
  const workers = Array.from({ length: Math.min(concurrency, items.length) }, worker)
  await Promise.all(workers)
  return results
}
