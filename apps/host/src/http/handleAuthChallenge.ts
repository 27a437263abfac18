import type { IncomingMessage, ServerResponse } from 'node:http'
import { type Address, ProtocolError } from '@fabstir/protocol'
import { requireJobVerifier } from '../auth/checkJob.js'
import type { HostContext } from '../internal/HostContext.js'
import { checkChain } from './checkChain.js'
import { readJsonBody } from './readBody.js'
import { sendJson } from './respond.js'

/**
 * @internal `POST /v1/auth/challenge {job_id, chain_id, address}` → `{nonce, message, expires_at}`:
 * the text the wallet signs (`createChallengeMessage`), with a random single-use nonce bound to
 * the address, job and chain, valid for `challengeTtlMs`. Limited per remote address to
 * `challengesPerMinute` requests and `maxChallengesPerAddress` unanswered challenges (past it the
 * address's own oldest is dropped, never another's).
 *
 * @throws {ProtocolError} `UNAVAILABLE` without a `JobVerifier` (no token could follow);
 *   `RATE_LIMITED` past `challengesPerMinute`;
 *   `BAD_MESSAGE` for the body or a chain the host does not serve; `MESSAGE_TOO_LARGE`.
 */
export async function handleAuthChallenge(
  context: HostContext,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  requireJobVerifier(context)
  const remote = request.socket.remoteAddress ?? 'unknown'
  const waitMs = context.challengeLimiter.take(remote)
  if (waitMs > 0) {
    throw new ProtocolError('RATE_LIMITED', 'Too many challenges', {
      details: 'too many challenge requests from this address per minute',
      retryAfterMs: waitMs,
    })
  }
  const body = await readJsonBody(context, request, 'authChallengeRequest')
  checkChain(context, body.chain_id)
  const challenge = context.challenges.create(
    {
      address: body.address.toLowerCase() as Address,
      jobId: body.job_id,
      chainId: body.chain_id,
    },
    remote,
  )
  sendJson(response, 200, challenge)
}
