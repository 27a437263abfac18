// Type-checked by pack-check against the installed tarball, as .mts, .cts and .ts, in a Node
// project and a browser project: keep it free of Node and DOM names.
import { FabstirSDK, type WebSocketConstructor } from '@fabstir/sdk'

export async function ask(hostUrl: string, webSocket: WebSocketConstructor): Promise<number> {
  const sdk = new FabstirSDK({ inference: { webSocket } })
  try {
    const inference = sdk.getInferenceManager()
    await inference.connectToSession('1', hostUrl, '1')
    await inference.initializeSession('1', { chainId: 31337, model: 'fabstir/ngram-trigram.json' })
    const stream = inference.sendPrompt('1', 'Who is the White Rabbit?', { maxTokens: 20 })
    return (await stream.result).usage.total_tokens
  } finally {
    await sdk.stop()
  }
}
