import type { PermissionUsage } from '@fabstir/auth/host'
import type { Hex, HostMessage, Usage } from '@fabstir/protocol'
import type { ModelBackend } from '../backends/ModelBackend.js'
import type { SlidingWindowLimiter } from '../SlidingWindowLimiter.js'
import type { CountedMessage } from '../truncateContext.js'

/**
 * @internal What the host remembers of a session between messages and across sockets: enough to
 * answer the next prompt (conversation, transcript head) and to refuse replays.
 */
export type Session = {
  /** The decimal on-chain job id. */
  readonly id: string
  readonly backend: ModelBackend
  /** The conversation as truncated to the model's window, oldest first. */
  conversation: CountedMessage[]
  /** Head of the transcript hash chain after the last response. */
  transcriptHead: Hex
  /** Tokens of every response so far, for `session_closed`. */
  usage: Usage
  /** When the session last saw traffic (the clock's milliseconds), for idle eviction. */
  lastActivityMs: number
  /** Prompts per minute. */
  readonly promptLimiter: SlidingWindowLimiter
  /** How often each permission was used (the host's `ReplayGuard` holds `message_index`). */
  readonly permissionUsage: PermissionUsage
  /** Detaches the socket that serves the session now; unset while no socket does. */
  detach: ((reason: string) => void) | undefined
  /** Sends a host-initiated message (a `checkpoint`) to the socket serving the session, if any. */
  notify: ((message: HostMessage) => void) | undefined
}

/** @internal Tokens of a conversation in total. */
export function conversationTokens(conversation: readonly CountedMessage[]): number {
  return conversation.reduce((sum, message) => sum + message.tokens, 0)
}
