/**
 * A test server, not the host: a real `node:http` server on 127.0.0.1, port 0, that implements
 * `/v1/auth/challenge`, `/v1/auth/token` and `/v1/auth/refresh` (PROTOCOL.md §2–§3) with the real
 * `@fabstir/auth` functions, so `authenticateSession` and `refreshToken` are tested against the
 * wire format. It does not check the job on chain. Tests can rewrite its answers to play a
 * dishonest or failing host.
 */
import { randomBytes } from 'node:crypto'
import { createServer, type IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'
import {
  type Address,
  decodeHttpBody,
  type ErrorCode,
  type Hex,
  httpStatusForCode,
} from '@fabstir/protocol'
import {
  AuthError,
  getSessionPublicKey,
  issueSessionToken,
  recoverChallengeSigner,
  verifyToken,
} from '../src/host.js'
import { createChallengeMessage, generateSessionKey, type SessionKey } from '../src/index.js'

export const testHostAddress: Address = '0x1111111111111111111111111111111111111111'
export const testChainId = 84532

/** A request as the test server received it. */
export type ReceivedRequest = {
  path: string
  authorization: string | undefined
  body: unknown
}

/** An answer a test substitutes for the server's own. */
export type ScriptedAnswer = { status: number; body: unknown; headers?: Record<string, string> }

export type TestAuthServer = {
  url: string
  /** The server's identity key (signs tokens). */
  hostKey: SessionKey
  received: ReceivedRequest[]
  /**
   * Rewrites or replaces answers: return `undefined` to keep the server's own answer, or another
   * answer. `answer` is what the server would send.
   */
  intercept: ((path: string, answer: ScriptedAnswer) => ScriptedAnswer | undefined) | undefined
  close(): Promise<void>
  [Symbol.asyncDispose](): Promise<void>
}

export async function startTestAuthServer(
  options: { tokenTtlSeconds?: number } = {},
): Promise<TestAuthServer> {
  const hostKey = await generateSessionKey()
  const nonces = new Map<
    string,
    { address: string; jobId: string; chainId: number; expiresAt: number }
  >()
  const received: ReceivedRequest[] = []

  const handle = async (request: IncomingMessage): Promise<ScriptedAnswer> => {
    const path = request.url ?? ''
    const text = await readBody(request)
    const authorization = request.headers.authorization
    received.push({ path, authorization, body: text === '' ? undefined : JSON.parse(text) })
    if (request.method !== 'POST') return failure('BAD_MESSAGE', 'POST only')
    try {
      switch (path) {
        case '/v1/auth/challenge': {
          const body = decodeHttpBody('authChallengeRequest', text)
          const nonce = `n-${randomBytes(8).toString('hex')}`
          const expiresAt = Date.now() + 5 * 60_000
          nonces.set(nonce, {
            address: body.address.toLowerCase(),
            jobId: body.job_id,
            chainId: body.chain_id,
            expiresAt,
          })
          const message = createChallengeMessage({
            hostAddress: testHostAddress,
            jobId: body.job_id,
            chainId: body.chain_id,
            nonce,
            expiresAt,
          })
          return { status: 200, body: { nonce, message, expires_at: expiresAt } }
        }
        case '/v1/auth/token': {
          const body = decodeHttpBody('authTokenRequest', text)
          const challenge = nonces.get(body.nonce)
          nonces.delete(body.nonce)
          if (
            challenge === undefined ||
            challenge.expiresAt < Date.now() ||
            challenge.address !== body.address.toLowerCase() ||
            challenge.jobId !== body.job_id ||
            challenge.chainId !== body.chain_id
          ) {
            return failure('AUTH_FAILED', 'unknown or expired nonce')
          }
          const message = createChallengeMessage({
            hostAddress: testHostAddress,
            jobId: body.job_id,
            chainId: body.chain_id,
            nonce: body.nonce,
            expiresAt: challenge.expiresAt,
          })
          const signer = await recoverChallengeSigner({ message, signature: body.signature })
          if (signer.toLowerCase() !== challenge.address) {
            return failure('AUTH_FAILED', 'the signature is not the address’s')
          }
          const issued = await issueSessionToken({
            hostPrivateKey: hostKey.privateKey,
            hostAddress: testHostAddress,
            clientAddress: signer,
            jobId: body.job_id,
            chainId: body.chain_id,
            permissions: body.permissions ?? ['inference', 'resume'],
            sessionPublicKey: body.session_public_key,
            ...(options.tokenTtlSeconds === undefined
              ? {}
              : { ttlSeconds: options.tokenTtlSeconds }),
          })
          return {
            status: 200,
            body: {
              token: issued.token,
              expires_at: issued.expiresAt,
              host_public_key: hostKey.publicKey,
            },
          }
        }
        case '/v1/auth/refresh': {
          const token = /^Bearer (\S+)$/.exec(authorization ?? '')?.[1]
          if (token === undefined) return failure('AUTH_REQUIRED', 'no bearer token')
          const claims = await verifyToken(token, {
            hostPublicKey: hostKey.publicKey,
            issuer: testHostAddress,
          })
          const issued = await issueSessionToken({
            hostPrivateKey: hostKey.privateKey,
            hostAddress: testHostAddress,
            clientAddress: claims.sub as Address,
            jobId: claims.job_id,
            chainId: claims.chain_id,
            permissions: claims.permissions,
            sessionPublicKey: getSessionPublicKey(claims) as Hex,
          })
          return { status: 200, body: { token: issued.token, expires_at: issued.expiresAt } }
        }
        default:
          return failure('SESSION_NOT_FOUND', 'no such endpoint')
      }
    } catch (error) {
      if (AuthError.isInstance(error)) return failure(error.code, error.shortMessage)
      return failure('BAD_MESSAGE', 'bad request')
    }
  }

  const server = createServer((request, response) => {
    handle(request)
      .then((answer) => server.intercept?.(request.url ?? '', answer) ?? answer)
      .then((answer) => {
        const text = typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body)
        response.writeHead(answer.status, {
          'content-type': 'application/json',
          ...answer.headers,
        })
        response.end(text)
      })
      .catch(() => {
        response.writeHead(500)
        response.end()
      })
  }) as ReturnType<typeof createServer> & Pick<TestAuthServer, 'intercept'>
  server.intercept = undefined
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', resolve)
  })
  const { port } = server.address() as AddressInfo
  const close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections()
      server.close(() => resolve())
    })
  return {
    url: `http://127.0.0.1:${port}`,
    hostKey,
    received,
    get intercept() {
      return server.intercept
    },
    set intercept(value) {
      server.intercept = value
    },
    close,
    [Symbol.asyncDispose]: close,
  }
}

function failure(code: ErrorCode, message: string): ScriptedAnswer {
  return { status: httpStatusForCode(code), body: { error: { code, message } } }
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of request) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks).toString('utf8')
}
