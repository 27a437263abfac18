import * as auth from '@fabstir/auth'
import * as authHost from '@fabstir/auth/host'
import * as billing from '@fabstir/billing'
import * as contracts from '@fabstir/contracts'
import * as discoveryRegistry from '@fabstir/discovery-registry'
import * as inference from '@fabstir/inference'
import * as protocol from '@fabstir/protocol'
import { expect, test } from 'vitest'
import * as sdk from './index.js'

test('public surface: FabstirSDK and every package it re-exports', () => {
  const reExported = new Set([
    ...Object.keys(auth),
    ...Object.keys(billing),
    ...Object.keys(contracts),
    ...Object.keys(discoveryRegistry),
    ...Object.keys(inference),
    ...Object.keys(protocol),
  ])
  const own = Object.keys(sdk).filter((name) => !reExported.has(name))
  expect(own).toEqual(['FabstirSDK'])
  for (const name of reExported) expect(sdk).toHaveProperty(name)
})

test('host-only code is not re-exported: the SDK is a client', () => {
  const hostOnly = Object.keys(authHost)
  expect(hostOnly).not.toEqual([])
  for (const name of hostOnly) expect(sdk).not.toHaveProperty(name)
})
