/**
 * Where the host reports what it does. Messages never carry secrets: no tokens, keys or prompts.
 *
 * @example
 * ```ts
 * import { startHost, type Logger } from '@fabstir/host'
 *
 * const logger: Logger = {
 *   debug: () => {},
 *   info: (message, fields) => process.stderr.write(`${message} ${JSON.stringify(fields)}\n`),
 *   warn: (message, fields) => process.stderr.write(`${message} ${JSON.stringify(fields)}\n`),
 *   error: (message, fields) => process.stderr.write(`${message} ${JSON.stringify(fields)}\n`),
 * }
 * ```
 */
export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void
  info(message: string, fields?: Record<string, unknown>): void
  warn(message: string, fields?: Record<string, unknown>): void
  error(message: string, fields?: Record<string, unknown>): void
}

const ignore = () => {}

/** The default {@link Logger}: says nothing, so a library user opts in to output. */
export const silentLogger: Logger = { debug: ignore, info: ignore, warn: ignore, error: ignore }
