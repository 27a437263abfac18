import type { Hex } from 'viem'

/**
 * A model of the ModelRegistry, decoded from `getModel` by field name.
 *
 * @example
 * ```ts
 * import type { ModelRecord } from '@fabstir/discovery-registry'
 *
 * const label = (model: ModelRecord) => `${model.name}${model.active ? '' : ' (deactivated)'}`
 * ```
 */
export type ModelRecord = {
  /** `keccak256(bytes("repo/file"))`. */
  id: Hex
  /** `"repo/file"`, the name `getModelId` hashes. */
  name: string
  huggingfaceRepo: string
  fileName: string
  /** SHA-256 of the model file, as registered (zero when unknown). */
  sha256Hash: Hex
  approvalTier: bigint
  /** Whether the model is approved now (hosts may only register approved models). */
  active: boolean
  /** When it was added, in seconds since the epoch. */
  timestamp: bigint
}
