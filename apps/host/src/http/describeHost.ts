import {
  type HealthResponse,
  type ModelsResponse,
  protocolVersion,
  type VersionResponse,
} from '@fabstir/protocol'
import type { HostContext } from '../internal/HostContext.js'
import { modelId } from '../modelId.js'
import { hostVersion } from '../version.js'

/**
 * @internal Features `/v1/version` always announces; `auth` (session tokens) and `signing` (signed
 * client messages on request) join them unless the host runs with `insecureNoAuth`.
 */
export const hostFeatures = [
  'session',
  'session_resume',
  'streaming',
  'cancel',
  'compression:gzip',
  'compression:deflate-raw',
  'signed_responses',
  'http_inference',
  'http_inference_sse',
] as const

/** @internal Body of `GET /health`. */
export function getHealth(context: HostContext): HealthResponse {
  if (context.closing.aborted) return { status: 'unavailable', reason: 'shutting down' }
  return {
    status: 'ok',
    version: hostVersion,
    uptime_s: Math.max(0, Math.floor((context.clock.now() - context.startedAtMs) / 1000)),
    active_sessions: context.activeSockets.size,
  }
}

/** @internal Body of `GET /v1/version`. */
export function getVersion(context: HostContext): VersionResponse {
  return {
    version: hostVersion,
    protocol: protocolVersion,
    features: [...hostFeatures, ...(context.insecureNoAuth ? [] : ['auth', 'signing'])],
    chain_ids: [...context.chainIds],
    host_address: context.hostAddress,
    ed25519_public_key: context.identity.publicKeyHex,
  }
}

/** @internal Body of `GET /v1/models`: each model's id is keccak256 of its name. */
export function getModels(context: HostContext): ModelsResponse {
  return {
    models: context.models.map((backend) => ({
      id: modelId(backend.name),
      name: backend.name,
      context_window: backend.contextWindow,
      prices: context.prices.map((price) => ({ ...price })),
    })),
  }
}
