import { type Hex, keccak256, stringToBytes } from 'viem'

/**
 * The on-chain id of a model: `keccak256(bytes("repo/file"))`, as `ModelRegistry.getModelId`
 * computes it. Accepts `"repo/file"`, `"repo:file"` (the file after the last `:`), or a
 * `0x`-prefixed 32-byte id, which is returned as is.
 *
 * @throws {TypeError} when the name has no file part or an id is not 32 bytes.
 * @example
 * import { getModelId } from '@fabstir/contracts'
 * getModelId('TheBloke/TinyLlama-1.1B-Chat-v1.0-GGUF:tinyllama-1.1b-chat-v1.0.Q4_K_M.gguf')
 */
export function getModelId(model: string): Hex {
  if (model.startsWith('0x')) {
    if (!/^0x[0-9a-fA-F]{64}$/.test(model))
      throw new TypeError('a model id must be 32 bytes of hex')
    return model.toLowerCase() as Hex
  }
  const colon = model.lastIndexOf(':')
  const name = colon >= 0 ? `${model.slice(0, colon)}/${model.slice(colon + 1)}` : model
  const slash = name.lastIndexOf('/')
  if (slash <= 0 || slash === name.length - 1) {
    throw new TypeError(`a model is named "repo/file" or "repo:file", got "${model}"`)
  }
  return keccak256(stringToBytes(name))
}
