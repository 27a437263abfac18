// The meta-package: FabstirSDK plus every package's public API (Node-only parts in `@fabstir/sdk/node`).
// The SDK is a client: host-only code (`@fabstir/auth/host`) is not re-exported; a host imports it
// from `@fabstir/auth/host` itself.
export * from '@fabstir/auth'
export * from '@fabstir/billing'
export * from '@fabstir/contracts'
export * from '@fabstir/discovery-registry'
export * from '@fabstir/inference'
export * from '@fabstir/protocol'
export { FabstirSDK, type FabstirSDKOptions } from './FabstirSDK.js'
