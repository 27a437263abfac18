import type { IncomingMessage, ServerResponse } from 'node:http'
import { getSessionPublicKey } from '@fabstir/auth/host'
import type { AuthRefreshResponse } from '@fabstir/protocol'
import { checkJob, requireJobVerifier } from '../auth/checkJob.js'
import { verifySessionToken } from '../auth/verifySessionToken.js'
import type { HostContext } from '../internal/HostContext.js'
import { readBearerToken } from './readBearerToken.js'
import { requestSignal } from './requestSignal.js'
import { sendJson } from './respond.js'

/**
 * @internal `POST /v1/auth/refresh` with `Authorization: Bearer <token>` → `{token, expires_at}`:
 * a token that is valid now (signed by this host, not expired) is exchanged for a fresh one with
 * the same client, job, chain, permissions and session key, after the `JobVerifier` confirms the
 * job is still served. The body is ignored.
 *
 * @throws {ProtocolError | AuthError} `UNAVAILABLE` without a `JobVerifier`; `AUTH_REQUIRED`,
 *   `AUTH_FAILED`, `TOKEN_EXPIRED` for the token; the verifier's refusal.
 */
export async function handleAuthRefresh(
  context: HostContext,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  request.resume() // the body is not read
  requireJobVerifier(context)
  const claims = await verifySessionToken(context, readBearerToken(request))
  await checkJob(
    context,
    { jobId: claims.job_id, chainId: claims.chain_id, depositor: claims.sub },
    requestSignal(context.closing, response),
  )
  const issued = await context.identity.issueSessionToken({
    hostAddress: context.hostAddress,
    clientAddress: claims.sub,
    jobId: claims.job_id,
    chainId: claims.chain_id,
    permissions: claims.permissions,
    sessionPublicKey: getSessionPublicKey(claims),
    ttlSeconds: context.tokenTtlSeconds,
    now: context.clock.now(),
  })
  const answer: AuthRefreshResponse = { token: issued.token, expires_at: issued.expiresAt }
  sendJson(response, 200, answer)
}
