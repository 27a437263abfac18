import {
  type Hex,
  type SessionInitMessage,
  type SessionResumeMessage,
  transcriptGenesis,
} from '@fabstir/protocol'
import type { ModelBackend } from '../backends/ModelBackend.js'
import type { HostContext } from '../internal/HostContext.js'
import { countMessages } from '../preparePrompt.js'
import { SlidingWindowLimiter } from '../SlidingWindowLimiter.js'
import { truncateContext } from '../truncateContext.js'
import { checkFreshness } from './checkFreshness.js'
import { rejection } from './rejection.js'
import type { Session } from './Session.js'

/** @internal What {@link startSession} returns. */
export type StartSessionReturnType = {
  session: Session
  /** Whether the session continues a conversation (`session_resume`). */
  resumed: boolean
}

/**
 * @internal Checks a `session_init` or `session_resume` and builds the session it opens: fresh
 * for `session_init`, from the host's cache for a `session_resume` of a session it holds, and
 * rebuilt from `conversation_context` for one it does not (another host served it before). The
 * caller attaches the session to its socket and adds it to the store.
 *
 * @throws {ProtocolError} `AUTH_REQUIRED` unless the host runs with `insecureNoAuth`;
 *   `MODEL_UNAVAILABLE` for a model the host does not serve; `BAD_MESSAGE` for a chain the host
 *   does not serve or a `job_id` other than `session_id`; `REPLAYED_MESSAGE` or
 *   `INVALID_MESSAGE_INDEX` for a stale `message_index`; `CONTEXT_TOO_LARGE` when the resumed
 *   context cannot fit the model even truncated.
 */
export async function startSession(
  context: HostContext,
  message: SessionInitMessage | SessionResumeMessage,
): Promise<StartSessionReturnType> {
  if (!context.insecureNoAuth) {
    throw rejection(message, 'AUTH_REQUIRED', 'This host requires authentication', {
      details: 'token authentication is not implemented yet; the host must run with insecureNoAuth',
    })
  }
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

  const held = context.sessions.get(message.session_id)
  checkFreshness(context, held?.lastMessageIndex, message)
  // The cache is the host's own record of the conversation: it wins over the client's copy.
  if (message.type === 'session_resume' && held !== undefined && held.backend === backend) {
    held.lastMessageIndex = message.message_index
    return { session: held, resumed: true }
  }

  const session: Session = {
    id: message.session_id,
    backend,
    conversation: [],
    transcriptHead: transcriptGenesis,
    lastMessageIndex: message.message_index,
    usage: { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 },
    lastActivityMs: context.clock.now(),
    // A new session_init keeps the old limiter, so starting over is no way around the limit.
    promptLimiter:
      held?.promptLimiter ??
      new SlidingWindowLimiter({ limit: context.limits.promptsPerMinute, clock: context.clock }),
    detach: undefined,
  }
  if (message.type === 'session_init') return { session, resumed: false }

  session.conversation = await rebuildConversation(backend, message)
  session.transcriptHead = transcriptHeadOf(message)
  return { session, resumed: true }
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
