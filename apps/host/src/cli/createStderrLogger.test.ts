import { describe, expect, test } from 'vitest'
import { createStderrLogger } from './createStderrLogger.js'

describe('createStderrLogger', () => {
  test('writes one JSON line per entry, and nothing for debug', () => {
    const lines: string[] = []
    const logger = createStderrLogger((line) => lines.push(line))
    logger.debug('quiet')
    logger.info('hello', { port: 1 })
    logger.warn('careful')
    logger.error('broken')
    expect(lines).toHaveLength(3)
    expect(JSON.parse(lines[0] ?? '')).toMatchObject({ level: 'info', message: 'hello', port: 1 })
    expect(lines.every((line) => line.endsWith('\n'))).toBe(true)
  })

  test('defaults to standard error', () => {
    expect(() => createStderrLogger()).not.toThrow()
  })
})
