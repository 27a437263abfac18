import { expect, test } from 'vitest'
import { PermissionUsage } from './PermissionUsage.js'
import { isPermission, permissions } from './permissions.js'
import { getRequiredPermission, requirePermission } from './requirePermission.js'

test('the four permissions', () => {
  expect(permissions).toEqual(['inference', 'resume', 'export', 'admin'])
  expect(isPermission('resume')).toBe(true)
  expect(isPermission('root')).toBe(false)
  expect(isPermission(1)).toBe(false)
})

test('operations map to permissions; unknown operations need admin', () => {
  expect(getRequiredPermission('prompt')).toBe('inference')
  expect(getRequiredPermission('session_resume')).toBe('resume')
  expect(getRequiredPermission('export')).toBe('export')
  expect(getRequiredPermission('admin')).toBe('admin')
  expect(getRequiredPermission('admin:shutdown')).toBe('admin')
  expect(getRequiredPermission('session_init')).toBeNull()
  expect(getRequiredPermission('ping')).toBeNull()
  expect(getRequiredPermission('cancel')).toBeNull()
  expect(getRequiredPermission('session_end')).toBeNull()
  // @ts-expect-error: not a known operation
  expect(getRequiredPermission('delete_everything')).toBe('admin')
  // @ts-expect-error: an inherited property is not an operation
  expect(getRequiredPermission('toString')).toBe('admin')
})

test('requirePermission grants, counts, and denies with PERMISSION_DENIED', () => {
  const usage = new PermissionUsage()
  const claims = { permissions: ['inference' as const] }
  expect(requirePermission(claims, 'prompt', { usage })).toBe('inference')
  expect(requirePermission(claims, 'prompt', { usage })).toBe('inference')
  expect(requirePermission(claims, 'ping', { usage })).toBeNull()
  for (const operation of ['session_resume', 'export', 'admin', 'admin:drain'] as const) {
    expect(() => requirePermission(claims, operation, { usage, sessionId: '42' })).toThrow(
      expect.objectContaining({ name: 'AuthError', code: 'PERMISSION_DENIED', sessionId: '42' }),
    )
  }
  // @ts-expect-error: claims without permissions
  expect(() => requirePermission({}, 'prompt')).toThrow(
    expect.objectContaining({ code: 'PERMISSION_DENIED' }),
  )
  expect(usage.snapshot()).toEqual({ inference: 2, resume: 0, export: 0, admin: 0 })
})

test('PermissionUsage records, snapshots by value, resets, and checks input', () => {
  const usage = new PermissionUsage()
  usage.record('export', 3)
  const before = usage.snapshot()
  usage.record('export')
  expect(before.export).toBe(3)
  expect(usage.snapshot().export).toBe(4)
  usage.reset()
  expect(usage.snapshot()).toEqual({ inference: 0, resume: 0, export: 0, admin: 0 })
  // @ts-expect-error: not a permission
  expect(() => usage.record('root')).toThrow(TypeError)
  expect(() => usage.record('admin', 0)).toThrow(TypeError)
})
