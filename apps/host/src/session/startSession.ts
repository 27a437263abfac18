import { verifyMessage } from '@fabstir/auth'
import {
  getSessionPublicKey,
  PermissionUsage,
  requirePermission,
  type SessionTokenClaims,
} from '@fabstir/auth/host'
import {
  type Hex,
  type Permission,
  type SessionInitMessage,
  type SessionResumeMessage,
  transcriptGenesis,
} from '@fabstir/protocol'
import { verifySessionToken } from '../auth/verifySessionToken.js'
import type { ModelBackend } from '../backends/ModelBackend.js'
import type { HostContext } from '../internal/HostContext.js'
import { countMessages } from '../preparePrompt.js'
import { SlidingWindowLimiter } from '../SlidingWindowLimiter.js'
import { truncateContext } from '../truncateContext.js'
import { asRejection, invalidSignature, rejection } from './rejection.js'
import type { Session } from './Session.js'

/** @internal What {@link startSession} returns. */
export type StartSessionReturnType = {
  session: Session
  /** Whether the session continues a conversation (`session_resume`). */
  resumed: boolean
  /** The verified token's claims; `undefined` on a host with `insecureNoAuth`. */
  claims: SessionTokenClaims | undefined
  /**
   * The session key every later client message must be signed with, when signing was
   * negotiated (`signing: true` from the client, and authentication on).
   */
  signingKey: Hex | undefined
}

/**
 * @internal Checks a `session_init` or `session_resume` and builds the session it opens: fresh
 * for `session_init`, from the host's cache for a `session_resume` of a session it holds, and
 * rebuilt from `conversation_context` for one it does not (another host served it before). The
 * caller attaches the session to its socket and adds it to the store.
 *
 * Unless the host runs with `insecureNoAuth`, the message's `token` must be a valid session token
 * of this host for its `job_id` and `chain_id`, carrying `resume` for a `session_resume`; with
 * `signing: true` the message itself must be signed by the token's session key. The checks run
 * in the order token, signature, replay, permission, so a forged message cannot use up an index.
 *
 * @throws {ProtocolError} `AUTH_REQUIRED`, `AUTH_FAILED` or `TOKEN_EXPIRED` for the token;
 *   `INVALID_SIGNATURE`; `PERMISSION_DENIED` for a resume without `resume`; `MODEL_UNAVAILABLE`
 *   for a model the host does not serve; `BAD_MESSAGE` for a chain the host does not serve or a `job_id` other than `session_id`; `REPLAYED_MESSAGE` or
 *   `INVALID_MESSAGE_INDEX` for a stale `message_index`; `CONTEXT_TOO_LARGE` when the resumed
 *   context cannot fit the model even truncated.
 */
export async function startSession(
  context: HostContext,
  message: SessionInitMessage | SessionResumeMessage,
): Promise<StartSessionReturnType> {
  const { claims, signingKey } = await authenticate(context, message)
  if (context.chainIds.length > 0 && !context.chainIds.includes(message.chain_id)) {
    throw rejection(message, 'BAD_MESSAGE', 'This host does not serve that chain', {
      details: `chain_id ${message.chain_id}`,
    })
  }
  if (message.job_id !== message.session_id) {
    throw rejection(message, 'BAD_MESSAGE', 'job_id and session_id must be the same job')
  }
  const backend = context.backends.get(message.model)
  if (backend === undefined) {
    throw rejection(message, 'MODEL_UNAVAILABLE', 'This host does not serve that model')
  }
  if (message.type === 'session_resume' && message.message_index <= message.last_message_index) {
    throw rejection(
      message,
      'INVALID_MESSAGE_INDEX',
      'message_index must follow last_message_index',
    )
  }

  let permission: Permission | null = null
  try {
    if (claims !== undefined) permission = requirePermission(claims, message.type)
  } catch (error) {
    throw asRejection(message, error)
  }

  const held = context.sessions.get(message.session_id)
  let session: Session
  let resumed = true
  // The cache is the host's own record of the conversation: it wins over the client's copy.
  if (message.type === 'session_resume' && held !== undefined && held.backend === backend) {
    session = held
  } else {
    session = {
      id: message.session_id,
      backend,
      conversation: [],
      transcriptHead: transcriptGenesis,
      usage: { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 },
      lastActivityMs: context.clock.now(),
      // A new session_init keeps the old limiter, so starting over is no way around the limit.
      promptLimiter:
        held?.promptLimiter ??
        new SlidingWindowLimiter({ limit: context.limits.promptsPerMinute, clock: context.clock }),
      permissionUsage: held?.permissionUsage ?? new PermissionUsage(),
      detach: undefined,
      notify: undefined,
    }
    if (message.type === 'session_init') {
      resumed = false
    } else {
      session.conversation = await rebuildConversation(backend, message)
      session.transcriptHead = transcriptHeadOf(message)
    }
  }

  // Last, so that a start refused for another reason does not use up its message_index (the
  // client may send it again); the replay check still comes before the caller detaches the
  // socket that serves the session now.
  context.sessions.assertRoomFor(session.id)
  try {
    context.replayGuard.check(message)
  } catch (error) {
    throw asRejection(message, error)
  }
  if (permission !== null) session.permissionUsage.record(permission)
  return { session, resumed, claims, signingKey }
}

/** The token's claims and, with `signing: true`, the session key after checking the message's `sig`. */
async function authenticate(
  context: HostContext,
  message: SessionInitMessage | SessionResumeMessage,
): Promise<{ claims: SessionTokenClaims | undefined; signingKey: Hex | undefined }> {
  if (context.insecureNoAuth) return { claims: undefined, signingKey: undefined }
  let claims: SessionTokenClaims
  try {
    claims = await verifySessionToken(context, message.token, {
      jobId: message.job_id,
      chainId: message.chain_id,
    })
  } catch (error) {
    throw asRejection(message, error)
  }
  if (message.signing !== true) return { claims, signingKey: undefined }
  const signingKey = getSessionPublicKey(claims)
  if (!(await verifyMessage(message, signingKey))) throw invalidSignature(message)
  return { claims, signingKey }
}

async function rebuildConversation(backend: ModelBackend, message: SessionResumeMessage) {
  const counted = await countMessages(backend, message.conversation_context)
  try {
    return truncateContext(counted, { maxTokens: backend.contextWindow }).messages
  } catch (error) {
    throw rejection(message, 'CONTEXT_TOO_LARGE', 'The conversation does not fit the model', {
      cause: error,
    })
  }
}

// PROTOCOL.md has no field for it: a client may send the head it holds as `transcript_head` so the
// chain continues on this host; without it the chain starts again from genesis.
function transcriptHeadOf(message: SessionResumeMessage): Hex {
  const { transcript_head: head } = message as { transcript_head?: unknown }
  return typeof head === 'string' && /^0x[0-9a-fA-F]{64}$/.test(head)
    ? (head.toLowerCase() as Hex)
    : transcriptGenesis
}
