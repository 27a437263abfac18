// Type-checked by pack-check against the installed tarball, as .mts, .cts and .ts, in a Node
// project and a browser project: keep it free of Node and DOM names.
import {
  InferenceManager,
  LLMNodeClient,
  type PromptResult,
  SessionError,
  type WebSocketConstructor,
} from '@fabstir/inference'

export async function ask(
  hostUrl: string,
  webSocket: WebSocketConstructor,
): Promise<{ text: string; result: PromptResult }> {
  const { models } = await new LLMNodeClient({ baseUrl: hostUrl }).models()
  const model = models[0]?.name ?? 'repo/model.gguf'
  const manager = new InferenceManager({ webSocket })
  manager.addEventListener('reconnecting', (event) => event.detail.attempt)
  try {
    await manager.connectToSession('1', hostUrl, '1')
    await manager.initializeSession('1', { chainId: 84532, model })
    const stream = manager.sendPrompt('1', 'Who is the White Rabbit?', { maxTokens: 20 })
    let text = ''
    for await (const part of stream) text += part.text
    const result = await stream.result
    await manager.endSession('1')
    return { text, result }
  } catch (error) {
    if (SessionError.isInstance(error)) throw new Error(error.shortMessage, { cause: error })
    throw error
  } finally {
    await manager.stop()
  }
}
