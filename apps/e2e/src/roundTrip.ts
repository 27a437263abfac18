import {
  type ClientMessage,
  decodeClientMessage,
  decodeHostMessage,
  encodeMessage,
  type Hex,
  type HostMessage,
  negotiateCompression,
  nextTranscriptHead,
  type PromptMessage,
  ProtocolError,
  transcriptGenesis,
} from '@fabstir/protocol'

/** What one round trip showed. */
export type RoundTripReport = {
  compression: string | null
  turns: { prompt: string; reply: string; transcriptHead: Hex }[]
  resume: { jsonBytes: number; frameBytes: number }
  rejected: { code: string; message: string }
}

/**
 * A `fabstir/1` conversation between a client and a message-level host simulation, entirely in
 * memory: every message is encoded, "sent" as the exact frame a WebSocket would carry, decoded and
 * validated on the other side. The simulated host answers by echoing the prompt in upper case;
 * real inference arrives with the host node.
 */
export function runRoundTrip(
  prompts: readonly string[],
  { offer = ['gzip', 'deflate-raw'] }: { offer?: string[] } = {},
): RoundTripReport {
  const sessionId = '1'
  let messageIndex = 0
  let compression: ReturnType<typeof negotiateCompression> = null
  let hostHead = transcriptGenesis
  let clientHead = transcriptGenesis
  const context: { role: 'user' | 'assistant'; content: string }[] = []
  const base = () => ({ session_id: sessionId, message_index: ++messageIndex, ts: Date.now() })
  const accept = () => (compression ? [compression] : [])

  // Each message crosses as the exact frame a WebSocket would carry and is validated on arrival.
  const toHost = <message extends ClientMessage>(message: message) =>
    decodeClientMessage(encodeMessage(message, { compression }), {
      compression: accept(),
    }) as message
  const toClient = <message extends HostMessage>(message: message) =>
    decodeHostMessage(encodeMessage(message, { compression }), { compression: accept() }) as message

  const init = toHost({
    ...base(),
    type: 'session_init',
    token: 'development-token',
    job_id: sessionId,
    chain_id: 31337,
    model: 'example/model.gguf',
    compression: offer,
  })
  compression = negotiateCompression(init.compression)

  const turns: RoundTripReport['turns'] = []
  for (const [index, text] of prompts.entries()) {
    const prompt: PromptMessage = {
      ...base(),
      type: 'prompt',
      request_id: `r${index}`,
      content: text,
    }
    const received = toHost(prompt)
    const reply = received.content.toUpperCase()
    const usage = { prompt_tokens: words(received.content), completion_tokens: words(reply) }
    const totals = { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens }
    hostHead = nextTranscriptHead(hostHead, received, { content: reply, usage: totals })
    context.push({ role: 'user', content: text }, { role: 'assistant', content: reply })
    const response = toClient({
      type: 'response',
      session_id: sessionId,
      request_id: received.request_id,
      message_index: received.message_index,
      content: reply,
      finish_reason: 'stop',
      usage: totals,
      context: { messages: context.length, tokens: 0, truncated: false },
      transcript_head: hostHead,
    })
    clientHead = nextTranscriptHead(clientHead, prompt, response)
    if (clientHead !== response.transcript_head) throw new Error('transcript heads differ')
    turns.push({ prompt: text, reply: response.content, transcriptHead: response.transcript_head })
  }

  const resume: ClientMessage = {
    ...base(),
    type: 'session_resume',
    token: 'development-token',
    job_id: sessionId,
    chain_id: 31337,
    model: 'example/model.gguf',
    conversation_context: Array.from({ length: 20 }, () => context).flat(),
    last_message_index: messageIndex - 1,
  }
  const frame = encodeMessage(resume, { compression })
  toHost(resume)

  const rejected = errorReplyFor('{"type":"prompt","session_id":"1","message_index":0}')

  return {
    compression,
    turns,
    resume: {
      jsonBytes: new TextEncoder().encode(JSON.stringify(resume)).length,
      frameBytes: typeof frame === 'string' ? new TextEncoder().encode(frame).length : frame.length,
    },
    rejected,
  }
}

/** What a host answers to a malformed message: an error reply, never silence. */
export function errorReplyFor(text: string): RoundTripReport['rejected'] {
  try {
    decodeClientMessage(text)
    return { code: 'none', message: 'accepted' }
  } catch (error) {
    const reply = ProtocolError.isInstance(error)
      ? error.toErrorMessage()
      : new ProtocolError('INTERNAL', 'Unexpected failure').toErrorMessage()
    return { code: reply.code, message: reply.message }
  }
}

function words(text: string): number {
  return text.split(/\s+/).filter(Boolean).length
}
