import type { IncomingMessage, ServerResponse } from 'node:http'
import { requirePermission } from '@fabstir/auth/host'
import { type InferenceEvent, type InferenceResponse, ProtocolError } from '@fabstir/protocol'
import { verifySessionToken } from '../auth/verifySessionToken.js'
import { generateReply } from '../generateReply.js'
import type { HostContext } from '../internal/HostContext.js'
import { countMessages, preparePrompt } from '../preparePrompt.js'
import { readBearerToken } from './readBearerToken.js'
import { readJsonBody } from './readBody.js'
import { requestSignal } from './requestSignal.js'
import { sendJson } from './respond.js'

/**
 * @internal `POST /v1/inference`: one stateless generation from `conversation_context` plus
 * `prompt`, answered as JSON, or with `stream: true` as server-sent events (`data:` one
 * `InferenceEvent` each: `stream_chunk`s, then a `response`, or an `error`). A client that
 * disconnects stops the generation.
 *
 * Unless the host runs with `insecureNoAuth`, it needs `Authorization: Bearer <token>` with the
 * `inference` permission (a token of any job: the request names none).
 *
 * @throws {ProtocolError | AuthError} before any byte is sent: `AUTH_REQUIRED` without a token,
 *   `AUTH_FAILED`/`TOKEN_EXPIRED` for a bad one, `PERMISSION_DENIED` without `inference`;
 *   `RATE_LIMITED` past `promptsPerMinute` for the client; `MESSAGE_TOO_LARGE`,
 *   `BAD_MESSAGE` for the body; `MODEL_UNAVAILABLE`; `CONTEXT_TOO_LARGE`.
 */
export async function handleInference(
  context: HostContext,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  // Without authentication the limit is per remote address; with it, per client (token `sub`).
  let client = request.socket.remoteAddress ?? 'unknown'
  if (!context.insecureNoAuth) {
    const claims = await verifySessionToken(context, readBearerToken(request))
    requirePermission(claims, 'prompt')
    client = claims.sub
  }
  const waitMs = context.httpLimiter.take(client)
  if (waitMs > 0) {
    throw new ProtocolError('RATE_LIMITED', 'Too many prompts per minute', {
      details: `at most ${context.limits.promptsPerMinute}`,
      retryAfterMs: waitMs,
    })
  }
  const inference = await readJsonBody(context, request, 'inferenceRequest')
  const backend = context.backends.get(inference.model)
  if (backend === undefined) {
    throw new ProtocolError('MODEL_UNAVAILABLE', 'This host does not serve that model')
  }
  const prepared = await preparePrompt({
    backend,
    history: await countMessages(backend, inference.conversation_context ?? []),
    content: inference.prompt,
    maxTokens: inference.max_tokens,
  })

  // The response closing before it finished means the client left: stop generating for it.
  const signal = requestSignal(context.closing, response)
  const stream = inference.stream === true
  const writeEvent = (event: InferenceEvent) => {
    response.write(`data: ${JSON.stringify(event)}\n\n`)
  }
  if (stream) {
    response.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      'x-accel-buffering': 'no',
    })
    response.flushHeaders()
  }

  const reply = await generateReply({
    backend,
    messages: prepared.messages.map(({ role, content }) => ({ role, content })),
    maxTokens: prepared.maxTokens,
    temperature: inference.temperature ?? 0,
    signal,
    ...(stream
      ? {
          onToken: async (token: string, seq: number) => {
            writeEvent({ type: 'stream_chunk', seq, content: token, tokens: 1 })
            if (response.writableNeedDrain) await waitForDrain(response, signal)
          },
        }
      : {}),
  })
  if (reply.finishReason === 'error') {
    context.logger.warn('generation failed', { error: String(reply.error) })
  }
  const result: InferenceResponse = {
    content: reply.content,
    finish_reason: reply.finishReason,
    usage: {
      prompt_tokens: prepared.tokens,
      completion_tokens: reply.completionTokens,
      total_tokens: prepared.tokens + reply.completionTokens,
    },
  }
  if (!stream) {
    sendJson(response, 200, result)
    return
  }
  writeEvent({ type: 'response', ...result })
  response.end()
}

function waitForDrain(response: ServerResponse, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      response.off('drain', done)
      signal.removeEventListener('abort', done)
      resolve()
    }
    response.once('drain', done)
    signal.addEventListener('abort', done, { once: true })
  })
}
