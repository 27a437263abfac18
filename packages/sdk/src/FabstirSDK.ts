import { InferenceManager, type InferenceManagerInit } from '@fabstir/inference'

/** Options of {@link FabstirSDK}: each package's own options, under its name. */
export type FabstirSDKOptions = {
  /** Options and components (e.g. `webSocket`) of the {@link InferenceManager}. */
  inference?: InferenceManagerInit
}

/**
 * One entry point to the Fabstir packages. It creates each manager on first use and stops them
 * all together. Today it wires inference; discovery, billing, proofs and storage join as they land.
 *
 * @example
 * ```ts
 * import { FabstirSDK } from '@fabstir/sdk'
 * import { webSocket } from '@fabstir/sdk/node'
 *
 * await using sdk = new FabstirSDK({ inference: { webSocket } })
 * const inference = sdk.getInferenceManager()
 * await inference.connectToSession('1', 'http://127.0.0.1:8080', '1')
 * ```
 */
export class FabstirSDK {
  readonly #options: FabstirSDKOptions
  #inference: InferenceManager | undefined

  constructor(options: FabstirSDKOptions = {}) {
    this.#options = options
  }

  /** The SDK's {@link InferenceManager}, created on first call with `options.inference`. */
  getInferenceManager(): InferenceManager {
    this.#inference ??= new InferenceManager(this.#options.inference)
    return this.#inference
  }

  /** Closes every session's socket (without ending the sessions on chain). */
  async stop(): Promise<void> {
    await this.#inference?.stop()
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop()
  }
}
