import type { AbortOptions, Address, Hex, Permission, ProtocolError } from '@fabstir/protocol'
import { createChallengeMessage } from './challenge/createChallengeMessage.js'
import { AuthRequestError } from './errors/AuthRequestError.js'
import { generateSessionKey } from './generateSessionKey.js'
import { assertHostUrl, deadlineSignal, postJson } from './internal/postJson.js'
import { assertChainId, jobIdString, lowercaseAddress } from './internal/validate.js'
import { assertPermissions } from './permissions/permissions.js'
import type { SessionKey } from './SessionKey.js'

/**
 * What signs the challenge: anything with viem's `signMessage({ message })` (EIP-191
 * `personal_sign`), such as a `LocalAccount` from `privateKeyToAccount`, or a JSON-RPC account
 * wrapped as `{ address, signMessage: ({ message }) => walletClient.signMessage({ account, message }) }`.
 */
export type ChallengeSigner = {
  /** The wallet that deposited for the job. */
  address: Address
  /** Signs `message` as EIP-191 `personal_sign`, returning 65 bytes as `0x` hex. */
  signMessage(args: { message: string }): Promise<Hex>
}

/** Options of {@link authenticateSession}. */
export type AuthenticateSessionOptions = AbortOptions & {
  /** The host's http(s) base URL (its `apiUrl`), without credentials. */
  hostUrl: string
  /** The on-chain job id the account deposited for. */
  jobId: string | bigint
  chainId: number
  /** The depositor's wallet: signs the challenge text, never session traffic. */
  account: ChallengeSigner
  /**
   * The host's address (from the registry), when known: the challenge must then name exactly
   * this host. Without it, the challenge may name any host, but still this job and chain.
   */
  hostAddress?: Address
  /** The session key to bind into the token. @default a fresh one from {@link generateSessionKey} */
  sessionKey?: SessionKey
  /** Permissions to ask for; the host decides. @default the host's default */
  permissions?: readonly Permission[]
  /** The fetch to use. @default globalThis.fetch */
  fetch?: typeof globalThis.fetch
  /** Deadline of the whole exchange (both requests and the wallet). @default 30_000 */
  timeoutMs?: number
}

/** What {@link authenticateSession} returns. */
export type AuthenticateSessionReturnType = {
  /** The session JWT. A bearer secret: never log it. */
  token: string
  /** When the token expires, in milliseconds since the epoch. */
  expiresAt: number
  /** The host's Ed25519 identity key (`0x` hex): pin it to verify its `response`s. */
  hostPublicKey: Hex
  /** The host's address as the challenge named it (lowercase). */
  hostAddress: Address
  /** The session key bound into the token (`cnf`): it signs every client message. */
  sessionKey: SessionKey
}

/** What {@link authenticateSession} throws. */
export type AuthenticateSessionErrorType = TypeError | RangeError | AuthRequestError | ProtocolError

/**
 * The client side of PROTOCOL.md §3: asks the host for a challenge (`POST /v1/auth/challenge`),
 * checks that its text is exactly {@link createChallengeMessage}'s for this job and chain (and
 * host, when `hostAddress` is given) before the wallet signs it (EIP-191), then exchanges the
 * signature and a session public key for a session token (`POST /v1/auth/token`). Both answers
 * are validated with `decodeHttpBody`.
 *
 * @param options - host URL, job, chain, the wallet account, and optionally the host's address,
 *   a session key, permissions, `fetch`, `signal` and `timeoutMs`.
 * @returns the token, its expiry, the host's identity key, the host's address and the session key.
 * @throws {TypeError} / {RangeError} for malformed options, before anything is sent.
 * @throws {AuthRequestError} `CHALLENGE_MISMATCH` when the host asks to sign anything but the
 *   expected challenge (nothing is signed); the host's code (`AUTH_FAILED`,
 *   `INSUFFICIENT_DEPOSIT`, `RATE_LIMITED`, …) with `status` for an error answer; `HTTP_ERROR`,
 *   `NETWORK_ERROR`.
 * @throws {ProtocolError} `BAD_MESSAGE` when an answer is not a valid body.
 * @example
 * ```ts
 * import { authenticateSession } from '@fabstir/auth'
 * import { privateKeyToAccount } from 'viem/accounts'
 *
 * const { token, hostPublicKey, sessionKey } = await authenticateSession({
 *   hostUrl: 'https://host.example',
 *   jobId: '42',
 *   chainId: 84532,
 *   account: privateKeyToAccount(privateKey),
 * })
 * ```
 */
export async function authenticateSession({
  hostUrl,
  jobId,
  chainId,
  account,
  hostAddress,
  sessionKey,
  permissions,
  fetch = globalThis.fetch,
  signal,
  timeoutMs = 30_000,
}: AuthenticateSessionOptions): Promise<AuthenticateSessionReturnType> {
  assertHostUrl(hostUrl)
  const job = jobIdString(jobId)
  assertChainId(chainId)
  if (
    typeof account !== 'object' ||
    account === null ||
    typeof account.signMessage !== 'function'
  ) {
    throw new TypeError('account must have signMessage({ message }), like a viem account')
  }
  const address = lowercaseAddress(account.address, 'account.address')
  const pinnedHost =
    hostAddress === undefined ? undefined : lowercaseAddress(hostAddress, 'hostAddress')
  if (permissions !== undefined) assertPermissions(permissions)
  if (typeof fetch !== 'function') throw new TypeError('No fetch: pass one as `fetch`')
  const deadline = deadlineSignal(signal, timeoutMs)
  const call = { hostUrl, fetch, signal: deadline.signal }
  let generated: SessionKey | undefined
  try {
    const challenge = await postJson({
      ...call,
      path: '/v1/auth/challenge',
      body: { job_id: job, chain_id: chainId, address },
      response: 'authChallengeResponse',
    })
    const challengeHost = checkChallenge(challenge, {
      jobId: job,
      chainId,
      hostAddress: pinnedHost,
    })
    const signature = await account.signMessage({ message: challenge.message })
    deadline.signal.throwIfAborted()
    generated = sessionKey === undefined ? await generateSessionKey() : undefined
    const key = sessionKey ?? (generated as SessionKey)
    const issued = await postJson({
      ...call,
      path: '/v1/auth/token',
      body: {
        job_id: job,
        chain_id: chainId,
        address,
        nonce: challenge.nonce,
        signature,
        session_public_key: key.publicKey,
        ...(permissions === undefined ? {} : { permissions: [...permissions] }),
      },
      response: 'authTokenResponse',
    })
    return {
      token: issued.token,
      expiresAt: issued.expires_at,
      hostPublicKey: issued.host_public_key.toLowerCase() as Hex,
      hostAddress: challengeHost,
      sessionKey: key,
    }
  } catch (error) {
    // A key made here and never handed out is wiped.
    generated?.destroy()
    throw error
  } finally {
    deadline.dispose()
  }
}

const hostLine = /^Host: (0x[0-9a-f]{40})$/m

/**
 * Rebuilds the challenge text from this job, chain and host and the host's nonce and expiry,
 * and refuses anything that is not exactly it. Returns the host address it names.
 */
function checkChallenge(
  challenge: { message: string; nonce: string; expires_at: number },
  expected: { jobId: string; chainId: number; hostAddress: Address | undefined },
): Address {
  const named = hostLine.exec(challenge.message)?.[1] as Address | undefined
  const host = expected.hostAddress ?? named
  let text: string | undefined
  try {
    if (host !== undefined) {
      text = createChallengeMessage({
        hostAddress: host,
        jobId: expected.jobId,
        chainId: expected.chainId,
        nonce: challenge.nonce,
        expiresAt: challenge.expires_at,
      })
    }
  } catch {
    text = undefined
  }
  if (host === undefined || text !== challenge.message) {
    throw new AuthRequestError('CHALLENGE_MISMATCH', 'Refused to sign the host’s challenge', {
      details: mismatchOf(challenge.message, text),
    })
  }
  return host
}

/** Which line of the challenge differs (its label only: the text is the host's). */
function mismatchOf(received: string, expected: string | undefined): string {
  if (expected === undefined) return 'it does not name a host, or its nonce or expiry is invalid'
  const got = received.split('\n')
  const want = expected.split('\n')
  for (const [index, line] of want.entries()) {
    if (got[index] !== line) {
      const label = /^([A-Za-z ]+):/.exec(line)?.[1]
      return label === undefined ? `line ${index + 1} differs` : `its "${label}" differs`
    }
  }
  return 'it has extra text'
}
