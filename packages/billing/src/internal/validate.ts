import { getModelId } from '@fabstir/contracts'
import { type Address, getAddress, type Hex, isAddress } from 'viem'
import { BillingError } from '../errors/billing.js'

/** @internal Checks and checksums an address. */
export function parseAddress(value: unknown, field: string): Address {
  if (typeof value !== 'string' || !isAddress(value, { strict: false })) {
    throw new BillingError(
      'INVALID_ARGUMENT',
      `${field} must be an address (0x and 40 hex digits), got ${describe(value)}`,
    )
  }
  return getAddress(value)
}

/** @internal A model name (`repo/file`, `repo:file`) or 32-byte id → its id. */
export function parseModelId(model: unknown): Hex {
  if (typeof model !== 'string') {
    throw new BillingError(
      'INVALID_ARGUMENT',
      `model must be a name ("repo/file") or a 32-byte id, got ${describe(model)}`,
    )
  }
  try {
    return getModelId(model)
  } catch (error) {
    throw new BillingError('INVALID_ARGUMENT', `model is not a model name or id: "${model}"`, {
      cause: error,
    })
  }
}

/** @internal Checks a job id: a bigint of at least 1. */
export function assertJobId(jobId: unknown): asserts jobId is bigint {
  if (typeof jobId !== 'bigint' || jobId < 1n) {
    throw new BillingError(
      'INVALID_ARGUMENT',
      `jobId must be a bigint ≥ 1n, got ${describe(jobId)}`,
    )
  }
}

/** @internal Checks a bigint within inclusive bounds. */
export function assertBigInt(
  value: unknown,
  field: string,
  { min, max, rule }: { min: bigint; max?: bigint; rule?: string },
): asserts value is bigint {
  const inRange = typeof value === 'bigint' && value >= min && (max === undefined || value <= max)
  if (!inRange) {
    const bounds = max === undefined ? `≥ ${min}` : `between ${min} and ${max}`
    throw new BillingError(
      'INVALID_ARGUMENT',
      `${field} must be a bigint ${bounds}${rule ? ` (${rule})` : ''}, got ${describe(value)}`,
    )
  }
}

function describe(value: unknown): string {
  if (typeof value === 'bigint') return `${value}n`
  if (typeof value === 'string') return `"${value}"`
  return String(value)
}
