import type { GenerateOptions } from './ModelBackend.js'

/**
 * @internal Checks the options every backend's `generate` takes.
 * @throws {RangeError} when `maxTokens` is not an integer ≥ 0 or `temperature` not a finite number ≥ 0.
 */
export function validateGenerateOptions({ maxTokens, temperature }: GenerateOptions): void {
  if (!Number.isInteger(maxTokens) || maxTokens < 0) {
    throw new RangeError(`maxTokens must be a non-negative integer, got ${maxTokens}`)
  }
  if (!Number.isFinite(temperature) || temperature < 0) {
    throw new RangeError(`temperature must be a finite number >= 0, got ${temperature}`)
  }
}
