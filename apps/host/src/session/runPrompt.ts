import {
  type FinishReason,
  type HostMessage,
  nextTranscriptHead,
  type PromptMessage,
  ProtocolError,
  type ResponseMessage,
  type Usage,
} from '@fabstir/protocol'
import { generateReply } from '../generateReply.js'
import type { HostContext } from '../internal/HostContext.js'
import { preparePrompt } from '../preparePrompt.js'
import type { CountedMessage } from '../truncateContext.js'
import { rejection } from './rejection.js'
import { conversationTokens, type Session } from './Session.js'

/** @internal Options of {@link runPrompt}. */
export type RunPromptOptions = {
  context: HostContext
  session: Session
  prompt: PromptMessage
  /** Aborted by `cancel`, `session_end`, the socket closing or the host closing. */
  signal: AbortSignal
  /** Sends a message; resolves when the socket has taken it (back-pressure). */
  send: (message: HostMessage) => Promise<void>
  /** Whether the socket still serves the session: if not, the turn is not recorded. */
  isAttached: () => boolean
}

/**
 * @internal Answers one prompt: fits the conversation into the model's window, streams the reply
 * as `stream_chunk`s (`seq` from 0, no gaps), then sends the one signed `response` every prompt
 * gets, with the tokens actually produced, also after a cancel (`cancelled`) or a backend failure
 * (`error`). A prompt cancelled before it started is answered at once, without generation.
 *
 * A turn enters the conversation and the transcript only when its response can be delivered: if
 * the client vanished mid-stream, the session stays as it was before the prompt, for a resume.
 *
 * Never rejects: a failure anywhere in the pipeline (a backend that breaks its contract, a reply
 * with no canonical form, signing) ends this prompt with an `error` `INTERNAL` naming its
 * `request_id`, leaves the session as it was before the prompt, and is logged.
 */
export async function runPrompt(options: RunPromptOptions): Promise<void> {
  const { context, session, prompt, send } = options
  try {
    await answerPrompt(options)
  } catch (error) {
    try {
      context.logger.error('prompt failed', { sessionId: session.id, error: String(error) })
      const failed = rejection(prompt, 'INTERNAL', 'The host failed to answer the prompt', {
        details: 'see the host log',
      })
      await send(failed.toErrorMessage())
    } catch {
      // Nothing is left to tell: the socket is gone or the logger itself failed.
    }
  }
}

async function answerPrompt({
  context,
  session,
  prompt,
  signal,
  send,
  isAttached,
}: RunPromptOptions): Promise<void> {
  const { backend } = session
  const zero: Usage = { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 }
  if (signal.aborted) {
    if (isAttached()) await respond(session.conversation, '', 'cancelled', zero, false)
    return
  }

  if (context.proofs?.depositExhausted(session.id)) {
    const refused = rejection(prompt, 'INSUFFICIENT_DEPOSIT', 'The job’s deposit is used up', {
      details: 'open a new session job to continue',
    })
    await send(refused.toErrorMessage())
    return
  }

  let prepared: Awaited<ReturnType<typeof preparePrompt>>
  try {
    prepared = await preparePrompt({
      backend,
      history: session.conversation,
      content: prompt.content,
      maxTokens: prompt.max_tokens ?? context.limits.defaultMaxTokens,
    })
  } catch (error) {
    if (ProtocolError.isInstance(error)) {
      const refused = rejection(prompt, error.code, error.shortMessage, { cause: error })
      await send(refused.toErrorMessage())
      return
    }
    context.logger.error('countTokens failed', { sessionId: session.id, error: String(error) })
    if (isAttached()) await respond(session.conversation, '', 'error', zero, false)
    return
  }

  let seq = 0
  const reply = await generateReply({
    backend,
    messages: prepared.messages.map(({ role, content }) => ({ role, content })),
    maxTokens: prepared.maxTokens,
    temperature: prompt.temperature ?? 0,
    signal,
    onToken: (token) =>
      send({
        type: 'stream_chunk',
        session_id: session.id,
        request_id: prompt.request_id,
        seq: seq++,
        content: token,
        tokens: 1,
      }),
  })
  if (reply.finishReason === 'error') {
    context.logger.warn('generation failed', { sessionId: session.id, error: String(reply.error) })
  }
  if (!isAttached()) {
    context.logger.info('client left mid-stream; turn not recorded', { sessionId: session.id })
    return
  }
  const usage: Usage = {
    prompt_tokens: prepared.tokens,
    completion_tokens: reply.completionTokens,
    total_tokens: prepared.tokens + reply.completionTokens,
  }
  const conversation: CountedMessage[] = [
    ...prepared.messages,
    { role: 'assistant', content: reply.content, tokens: reply.completionTokens },
  ]
  await respond(conversation, reply.content, reply.finishReason, usage, prepared.truncated)

  async function respond(
    conversation: CountedMessage[],
    content: string,
    finishReason: FinishReason,
    usage: Usage,
    truncated: boolean,
  ): Promise<void> {
    // Everything that can fail comes before the session changes: a failed turn is not recorded.
    const transcriptHead = nextTranscriptHead(session.transcriptHead, prompt, { content, usage })
    const response: ResponseMessage = {
      type: 'response',
      session_id: session.id,
      request_id: prompt.request_id,
      message_index: prompt.message_index,
      content,
      finish_reason: finishReason,
      usage,
      context: {
        messages: conversation.length,
        tokens: conversationTokens(conversation),
        truncated,
      },
      transcript_head: transcriptHead,
    }
    const signed = await context.identity.sign(response)
    session.conversation = conversation
    session.transcriptHead = transcriptHead
    session.usage = {
      prompt_tokens: session.usage.prompt_tokens + usage.prompt_tokens,
      completion_tokens: session.usage.completion_tokens + usage.completion_tokens,
      total_tokens: session.usage.total_tokens + usage.total_tokens,
    }
    context.sessions.touch(session)
    context.proofs?.recordResponse(session.id, usage.total_tokens, transcriptHead)
    await send(signed)
  }
}
