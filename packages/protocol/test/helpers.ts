import { expect } from 'vitest'
import { type ErrorCode, ProtocolError } from '../src/index.js'

/** Runs `run`, expects it to throw a ProtocolError with `code`, and returns that error. */
export function rejection(run: () => unknown, code: ErrorCode = 'BAD_MESSAGE'): ProtocolError {
  let caught: unknown
  try {
    run()
  } catch (error) {
    caught = error
  }
  expect(ProtocolError.isInstance(caught), String(caught)).toBe(true)
  const error = caught as ProtocolError
  expect(error.code).toBe(code)
  return error
}

/** Marks a field to remove in {@link mutate}. */
export const missing = Symbol('missing')

/** A deep copy of `message` with the value at a dot path replaced (or removed with `missing`). */
export function mutate(message: object, path: string, value: unknown): Record<string, unknown> {
  const copy = structuredClone(message) as Record<string, unknown>
  const keys = path.split('.')
  const last = keys.pop() as string
  let target = copy
  for (const key of keys) target = target[key] as Record<string, unknown>
  if (value === missing) Reflect.deleteProperty(target, last)
  else target[last] = value
  return copy
}
