import { expect, test } from 'vitest'
import { joinUrl, redactUrl, sessionUrl } from './url.js'

test('sessionUrl maps http(s) to ws(s) and appends /v1/session', () => {
  expect(sessionUrl('http://127.0.0.1:8080')).toBe('ws://127.0.0.1:8080/v1/session')
  expect(sessionUrl('https://host.example/base/?x=1#y')).toBe('wss://host.example/base/v1/session')
  expect(sessionUrl('wss://host.example')).toBe('wss://host.example/v1/session')
  expect(() => sessionUrl('ftp://host')).toThrow(TypeError)
  expect(() => sessionUrl('host')).toThrow(TypeError)
})

test('redactUrl strips credentials, query and fragment', () => {
  expect(redactUrl('https://user:secret@host.example/p?token=abc#x')).toBe('https://host.example/p')
  expect(redactUrl('::')).toBe('(invalid URL)')
})

test('joinUrl keeps the base path', () => {
  expect(joinUrl('http://h/api/', '/v1/models')).toBe('http://h/api/v1/models')
})
