// Consumer code compiled by typeDeclarations.test.ts in projects with and without the DOM lib: the
// README's listeners, with every form `addEventListener` accepts. Never run.
import {
  InferenceManager,
  type InferenceManagerEvents,
  type WebSocketConstructor,
} from '@fabstir/inference'

/** The README's listener, a listener object and each options form. */
export function listen(webSocket: WebSocketConstructor, signal: AbortSignal): InferenceManager {
  const manager = new InferenceManager({ webSocket })
  manager.addEventListener('reconnecting', (event) =>
    console.warn('reconnecting', event.detail.attempt),
  )
  manager.addEventListener('checkpoint', (event) => console.log(event.detail.checkpoint.tx_hash))
  manager.addEventListener('token-refresh-failed', (event) => console.warn(event.detail.error.code))
  const onReady = (event: InferenceManagerEvents['ready']): void => console.log(event.detail.url)
  manager.addEventListener('ready', onReady, { once: true, passive: true, signal, capture: false })
  manager.removeEventListener('ready', onReady, { capture: false })
  const listenerObject = {
    handleEvent(event: InferenceManagerEvents['closed']): void {
      console.log(event.detail.sessionId)
    },
  }
  manager.addEventListener('closed', listenerObject, true)
  manager.removeEventListener('closed', listenerObject, true)
  manager.addEventListener('connecting', null)
  return manager
}
