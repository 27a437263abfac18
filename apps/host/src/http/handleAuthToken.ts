import type { IncomingMessage, ServerResponse } from 'node:http'
import { AuthError, recoverChallengeSigner } from '@fabstir/auth/host'
import {
  type Address,
  type AuthTokenResponse,
  type Permission,
  ProtocolError,
} from '@fabstir/protocol'
import { checkJob, requireJobVerifier } from '../auth/checkJob.js'
import type { HostContext } from '../internal/HostContext.js'
import { checkChain } from './checkChain.js'
import { readJsonBody } from './readBody.js'
import { requestSignal } from './requestSignal.js'
import { sendJson } from './respond.js'

/** @internal The permissions of a token when the request names none. */
export const defaultPermissions: readonly Permission[] = ['inference', 'resume']

/**
 * @internal `POST /v1/auth/token {job_id, chain_id, address, nonce, signature, session_public_key,
 * permissions?}` → `{token, expires_at, host_public_key}`. In order: the nonce (known, unexpired,
 * unused, asked for this address, job and chain; it is used up whatever follows), the wallet
 * signature over the challenge text (its signer must be `address`), the job (`JobVerifier`), then
 * a token for the requested permissions (default `inference` and `resume`; `admin` is never
 * granted here), bound to `session_public_key`.
 *
 * @throws {ProtocolError | AuthError} `UNAVAILABLE` without a `JobVerifier`; `BAD_MESSAGE` for the
 *   body, a chain the host does not serve or an unusable session key; `AUTH_FAILED` for the nonce
 *   or the signature; `PERMISSION_DENIED` for `admin`; the verifier's refusal.
 */
export async function handleAuthToken(
  context: HostContext,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  requireJobVerifier(context)
  const body = await readJsonBody(context, request, 'authTokenRequest')
  checkChain(context, body.chain_id)
  const permissions = body.permissions ?? defaultPermissions
  if (permissions.includes('admin')) {
    throw new AuthError('PERMISSION_DENIED', 'The admin permission is not granted here', {
      details: 'ask for inference, resume or export',
    })
  }
  const address = body.address.toLowerCase() as Address
  const message = context.challenges.take(body.nonce, {
    address,
    jobId: body.job_id,
    chainId: body.chain_id,
  })
  const signer = await recoverChallengeSigner({ message, signature: body.signature })
  if (signer.toLowerCase() !== address) {
    throw new AuthError('AUTH_FAILED', 'The wallet signature is not valid', {
      details: 'the challenge was not signed by address',
    })
  }
  await checkJob(
    context,
    { jobId: body.job_id, chainId: body.chain_id, depositor: address },
    requestSignal(context.closing, response),
  )
  let issued: Awaited<ReturnType<typeof context.identity.issueSessionToken>>
  try {
    issued = await context.identity.issueSessionToken({
      hostAddress: context.hostAddress,
      clientAddress: address,
      jobId: body.job_id,
      chainId: body.chain_id,
      permissions,
      sessionPublicKey: body.session_public_key,
      ttlSeconds: context.tokenTtlSeconds,
      now: context.clock.now(),
    })
  } catch (error) {
    if (!(error instanceof TypeError)) throw error
    throw new ProtocolError('BAD_MESSAGE', 'session_public_key is not a usable Ed25519 key', {
      details: 'use a fresh key from generateSessionKey',
    })
  }
  const answer: AuthTokenResponse = {
    token: issued.token,
    expires_at: issued.expiresAt,
    host_public_key: context.identity.publicKeyHex,
  }
  context.logger.info('session token issued', {
    jobId: body.job_id,
    chainId: body.chain_id,
    client: address,
    permissions: issued.claims.permissions,
  })
  sendJson(response, 200, answer)
}
