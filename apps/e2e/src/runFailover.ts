import {
  authenticateSession,
  type ChatMessage,
  FabstirSDK,
  type FinishReason,
  type HostAuthentication,
  type InferenceManagerInit,
  refreshToken,
  type Usage,
} from '@fabstir/sdk'
import type { LocalAccount } from 'viem'

/** What one turn of the conversation showed. */
export type TurnReport = {
  prompt: string
  /** Every piece of text the stream delivered, joined. */
  delivered: string
  /** The host's final answer; equal to `delivered` when nothing was lost or duplicated. */
  content: string
  finishReason: FinishReason
  usage: Usage
  /** Messages the host held for the session after this turn. */
  contextMessages: number
  /** The session URL of the host that finished the turn. */
  host: string
}

/** What {@link runFailover} returns. */
export type FailoverReport = {
  turns: TurnReport[]
  /** Milliseconds from killing the first host to the next text arriving from the second. */
  failoverMs: number
  /** The conversation as the client holds it at the end. */
  conversation: ChatMessage[]
  /** Tokens the hosts reported for the whole session. */
  usage: Usage | undefined
}

/** Options of {@link runFailover}. */
export type RunFailoverOptions = {
  /** The session's first host and the host it moves to. */
  hosts: readonly [{ url: string; kill(): Promise<void> }, { url: string }]
  model: string
  prompts: readonly string[]
  /** The turn (0-based) during which the first host is killed. */
  killDuringTurn: number
  /** How many pieces of that turn's text arrive before the kill. @default 5 */
  killAfterChunks?: number
  /**
   * The wallet that deposited the session job: it signs each host's challenge, and the session is
   * then authenticated (a JWT bound to a fresh Ed25519 session key) and signed both ways. Without
   * it the hosts must run with `--insecure-no-auth`.
   */
  account?: LocalAccount
  /** Options and components of the SDK's InferenceManager (`webSocket` in Node 20). */
  inference?: InferenceManagerInit
  /** Called with each piece of text as it streams, and at the start of each turn. */
  onText?: (text: string, turn: number) => void
  onTurn?: (turn: number, prompt: string) => void
}

/**
 * A conversation through the SDK that loses its host mid-stream: the first host is killed while
 * it streams an answer, and the session resumes on the second host with the whole conversation
 * (`session_resume`), where the answer continues. Returns what each turn delivered, so a caller
 * can check that nothing was lost or duplicated.
 */
export async function runFailover({
  hosts: [primary, backup],
  model,
  prompts,
  killDuringTurn,
  killAfterChunks = 5,
  account,
  inference,
  onText,
  onTurn,
}: RunFailoverOptions): Promise<FailoverReport> {
  const sessionId = '1'
  await using sdk = new FabstirSDK({ inference: { retryDelayMs: 50, ...inference } })
  const manager = sdk.getInferenceManager()
  let host = ''
  manager.addEventListener('ready', (event) => {
    host = event.detail.url
  })
  await manager.connectToSession(sessionId, primary.url, sessionId, undefined, {
    fallbackHostUrls: [backup.url],
  })
  const chainId = 31337
  // Each host issues its own token: the first now, a fallback when the session moves there.
  const authenticate = async (hostUrl: string): Promise<HostAuthentication> => {
    if (account === undefined) return {}
    const auth = await authenticateSession({ hostUrl, jobId: sessionId, chainId, account })
    return {
      token: auth.token,
      tokenExpiresAt: auth.expiresAt,
      sessionKey: auth.sessionKey,
      hostPublicKey: auth.hostPublicKey,
      refreshToken: (token) => refreshToken({ hostUrl, token }),
    }
  }
  await manager.initializeSession(sessionId, {
    chainId,
    model,
    ...(await authenticate(primary.url)),
    authenticate: (hostUrl) => authenticate(hostUrl),
  })

  const turns: TurnReport[] = []
  let killedAt: number | undefined
  let failoverMs = Number.NaN
  for (const [turn, prompt] of prompts.entries()) {
    onTurn?.(turn, prompt)
    const stream = manager.sendPrompt(sessionId, prompt, { maxTokens: 80, temperature: 0.8 })
    let delivered = ''
    let pieces = 0
    for await (const part of stream) {
      if (killedAt !== undefined && Number.isNaN(failoverMs)) failoverMs = Date.now() - killedAt
      delivered += part.text
      onText?.(part.text, turn)
      if (turn === killDuringTurn && ++pieces === killAfterChunks) {
        killedAt = Date.now()
        await primary.kill()
      }
    }
    const result = await stream.result
    turns.push({
      prompt,
      delivered,
      content: result.content,
      finishReason: result.finishReason,
      usage: result.usage,
      contextMessages: result.context?.messages ?? 0,
      host,
    })
  }
  const conversation = manager.getConversation(sessionId)
  const { usage } = await manager.endSession(sessionId)
  return { turns, failoverMs, conversation, usage }
}
