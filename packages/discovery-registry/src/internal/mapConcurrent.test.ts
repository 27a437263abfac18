import { expect, test } from 'vitest'
import { mapConcurrent } from './mapConcurrent.js'

test('keeps the order and never runs more than the limit at once', async () => {
  let running = 0
  let most = 0
  const results = await mapConcurrent([5, 1, 4, 2, 3, 0], 2, async (value, index) => {
    running += 1
    most = Math.max(most, running)
    await new Promise((resolve) => setTimeout(resolve, value))
    running -= 1
    return `${index}:${value}`
  })
  expect(results).toEqual(['0:5', '1:1', '2:4', '3:2', '4:3', '5:0'])
  expect(most).toBe(2)
})

test('an empty list resolves at once', async () => {
  await expect(mapConcurrent([], 4, async () => 1)).resolves.toEqual([])
})

test('stops starting work after a failure and rejects with it', async () => {
  const started: number[] = []
  const error = new Error('boom')
  await expect(
    mapConcurrent([0, 1, 2, 3, 4], 1, async (value) => {
      started.push(value)
      if (value === 1) throw error
      return value
    }),
  ).rejects.toBe(error)
  expect(started).toEqual([0, 1])
})

test('stops starting work once the signal fires', async () => {
  const controller = new AbortController()
  const reason = new Error('stop')
  const started: number[] = []
  await expect(
    mapConcurrent(
      [0, 1, 2],
      1,
      async (value) => {
        started.push(value)
        controller.abort(reason)
        return value
      },
      controller.signal,
    ),
  ).rejects.toBe(reason)
  expect(started).toEqual([0])
})
