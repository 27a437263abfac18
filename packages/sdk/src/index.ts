// The meta-package: FabstirSDK plus every package's public API (Node-only parts in `@fabstir/sdk/node`).
export * from '@fabstir/auth'
export * from '@fabstir/billing'
export * from '@fabstir/contracts'
export * from '@fabstir/discovery-registry'
export * from '@fabstir/inference'
export * from '@fabstir/protocol'
export { FabstirSDK, type FabstirSDKOptions } from './FabstirSDK.js'
