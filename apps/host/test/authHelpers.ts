import type { SessionKey } from '@fabstir/auth'
import {
  type AuthTokenResponse,
  decodeHttpBody,
  type HttpErrorBody,
  type Permission,
} from '@fabstir/protocol'
import { privateKeyToAccount } from 'viem/accounts'
import type { Logger } from '../src/logger.js'

/** The client's wallet in these tests: a fixed test private key, no chain needed. */
export const wallet = privateKeyToAccount(`0x${'11'.repeat(32)}`)
/** Another wallet, which did not ask for the challenges. */
export const otherWallet = privateKeyToAccount(`0x${'22'.repeat(32)}`)

export const chainId = 31337

/** A logger that keeps what it is told (and keeps the development verifier's warning quiet). */
export function createRecordingLogger(): Logger & { lines: { level: string; message: string }[] } {
  const lines: { level: string; message: string }[] = []
  const record = (level: string) => (message: string) => {
    lines.push({ level, message })
  }
  return {
    lines,
    debug: record('debug'),
    info: record('info'),
    warn: record('warn'),
    error: record('error'),
  }
}

/** POSTs JSON (or a raw string) to a host path. */
export function post(
  url: string,
  path: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<Response> {
  return fetch(`${url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  })
}

/** The `error` of an HTTP error response, validated. */
export async function errorOf(response: Response): Promise<HttpErrorBody['error']> {
  return decodeHttpBody('error', await response.text()).error
}

/** Options of {@link getToken}. */
export type GetTokenOptions = {
  sessionKey: SessionKey
  jobId?: string
  permissions?: Permission[]
  /** The wallet that signs the challenge. @default wallet */
  signer?: typeof wallet
}

/**
 * The client side of PROTOCOL.md §3 over real HTTP: asks a challenge for `wallet`, signs it
 * (EIP-191) and exchanges it for a session token bound to `sessionKey`.
 */
export async function getToken(
  url: string,
  { sessionKey, jobId = '42', permissions, signer = wallet }: GetTokenOptions,
): Promise<AuthTokenResponse> {
  const challengeResponse = await post(url, '/v1/auth/challenge', {
    job_id: jobId,
    chain_id: chainId,
    address: wallet.address,
  })
  if (challengeResponse.status !== 200) throw new Error(await challengeResponse.text())
  const challenge = decodeHttpBody('authChallengeResponse', await challengeResponse.text())
  const response = await post(url, '/v1/auth/token', {
    job_id: jobId,
    chain_id: chainId,
    address: wallet.address,
    nonce: challenge.nonce,
    signature: await signer.signMessage({ message: challenge.message }),
    session_public_key: sessionKey.publicKey,
    ...(permissions === undefined ? {} : { permissions }),
  })
  if (response.status !== 200) throw new Error(await response.text())
  return decodeHttpBody('authTokenResponse', await response.text())
}

/** The token with one character of its payload changed. */
export function tamper(token: string): string {
  const [header, payload, signature] = token.split('.') as [string, string, string]
  const index = Math.floor(payload.length / 2)
  const changed = payload[index] === 'A' ? 'B' : 'A'
  return [
    header,
    `${payload.slice(0, index)}${changed}${payload.slice(index + 1)}`,
    signature,
  ].join('.')
}
