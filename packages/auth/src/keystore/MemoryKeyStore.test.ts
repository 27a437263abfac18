import { inspect } from 'node:util'
import { expect, test } from 'vitest'
import { MemoryKeyStore } from './MemoryKeyStore.js'

test('MemoryKeyStore keeps copies, lists sorted names, deletes, and redacts', async () => {
  const store = new MemoryKeyStore()
  const key = Uint8Array.from([1, 2, 3, 250])
  await store.set('b', key)
  await store.set('a', Uint8Array.from([9]))
  key.fill(0)
  const read = await store.get('b')
  expect(read).toEqual(Uint8Array.from([1, 2, 3, 250]))
  read?.fill(7)
  expect(await store.get('b')).toEqual(Uint8Array.from([1, 2, 3, 250]))
  expect(await store.list()).toEqual(['a', 'b'])
  expect(await store.get('missing')).toBeUndefined()
  expect(await store.delete('a')).toBe(true)
  expect(await store.delete('a')).toBe(false)
  await store.set('b', Uint8Array.from([5]))
  expect(await store.get('b')).toEqual(Uint8Array.from([5]))
  expect(JSON.stringify(store)).toBe('{"type":"MemoryKeyStore","names":["b"]}')
  expect(inspect(store)).toBe('MemoryKeyStore { 1 keys: [redacted] }')
})

test('MemoryKeyStore checks names, sizes and the abort signal', async () => {
  const store = new MemoryKeyStore()
  await expect(store.set('../x', Uint8Array.of(1))).rejects.toThrow(TypeError)
  await expect(store.set('x', new Uint8Array(0))).rejects.toThrow(TypeError)
  await expect(store.set('x', new Uint8Array(1025))).rejects.toThrow(TypeError)
  await expect(store.get('')).rejects.toThrow(TypeError)
  const signal = AbortSignal.abort()
  await expect(store.list({ signal })).rejects.toMatchObject({ name: 'AbortError' })
  await expect(store.get('x', { signal })).rejects.toMatchObject({ name: 'AbortError' })
})
