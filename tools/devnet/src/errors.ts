/** Marks every {@link DevnetError}, so `isInstance` works across duplicate copies of the package. */
const devnetErrorMarker = Symbol.for('fabstir.devnet.error')

/** Every code a {@link DevnetError} carries. */
export const devnetErrorCodes = [
  /** The anvil binary could not be found (no npm binary for this platform, or a bad path). */
  'DEVNET_BINARY_NOT_FOUND',
  /** anvil could not be started, exited before it was ready, or answered unexpectedly. */
  'DEVNET_START_FAILED',
  /** anvil was not ready (listening and answering `eth_chainId`) within the timeout. */
  'DEVNET_TIMEOUT',
] as const

/** A code of {@link DevnetError}. */
export type DevnetErrorCode = (typeof devnetErrorCodes)[number]

/** Options of a {@link DevnetError}. */
export type DevnetErrorOptions = {
  /** The error that caused this one; kept as the native `cause`. */
  cause?: unknown
  /** The last lines anvil printed (stdout and stderr), shown in `message`. */
  output?: readonly string[]
}

/**
 * A local chain could not be started: its binary is missing, it failed or it was not ready in
 * time. Match on `code`; `output` holds the last lines the process printed (private keys and
 * mnemonics redacted).
 *
 * @example
 * ```ts
 * import { DevnetError, startAnvil } from '@fabstir/devnet'
 *
 * try {
 *   await using anvil = await startAnvil()
 * } catch (error) {
 *   if (DevnetError.isInstance(error) && error.code === 'DEVNET_BINARY_NOT_FOUND') installAnvil()
 * }
 * ```
 */
export class DevnetError extends Error {
  override name = 'DevnetError' as const
  /** Stable, machine-readable code. */
  readonly code: DevnetErrorCode
  /** One-line summary, without the process output. */
  readonly shortMessage: string
  /** The last lines the process printed, oldest first (may be empty). */
  readonly output: readonly string[]
  readonly [devnetErrorMarker] = true

  /**
   * @param code - what failed.
   * @param shortMessage - one line that says what went wrong.
   * @param options - cause and the process's last output lines.
   */
  constructor(code: DevnetErrorCode, shortMessage: string, options: DevnetErrorOptions = {}) {
    const output = options.output ?? []
    const details = options.cause instanceof Error ? options.cause.message : undefined
    const message = [
      shortMessage,
      ...(output.length > 0
        ? ['', 'Last output of anvil:', ...output.map((line) => `  ${line}`)]
        : []),
      ...(details ? ['', `Details: ${details}`] : []),
    ].join('\n')
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.code = code
    this.shortMessage = shortMessage
    this.output = output
  }

  /**
   * Recognises a {@link DevnetError}, also one from another copy of the package.
   *
   * @param value - anything caught.
   * @returns whether `value` is a {@link DevnetError}.
   */
  static isInstance(value: unknown): value is DevnetError {
    return typeof value === 'object' && value !== null && devnetErrorMarker in value
  }
}
