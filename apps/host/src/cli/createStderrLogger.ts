import type { Logger } from '../logger.js'

/**
 * A {@link Logger} writing one JSON line per entry to standard error, for the command line.
 *
 * @param write - where lines go. @default process.stderr
 */
export function createStderrLogger(
  write: (line: string) => void = (line) => process.stderr.write(line),
): Logger {
  const log =
    (level: string) =>
    (message: string, fields: Record<string, unknown> = {}) =>
      write(`${JSON.stringify({ time: new Date().toISOString(), level, message, ...fields })}\n`)
  return { debug: () => {}, info: log('info'), warn: log('warn'), error: log('error') }
}
