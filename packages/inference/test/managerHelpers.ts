import {
  InferenceManager,
  type InferenceManagerEvents,
  type InferenceManagerInit,
} from '../src/index.js'
import { webSocket } from '../src/node.js'

/** A manager with the `ws` WebSocket and retries short enough for tests. */
export function createManager(overrides: InferenceManagerInit = {}): InferenceManager {
  return new InferenceManager({
    webSocket,
    connectTimeoutMs: 5_000,
    retryDelayMs: 5,
    maxRetryDelayMs: 20,
    ...overrides,
  })
}

/** The next event of `type` the manager emits. */
export function nextEvent<type extends keyof InferenceManagerEvents & string>(
  manager: InferenceManager,
  type: type,
): Promise<InferenceManagerEvents[type]> {
  return new Promise((resolve) => manager.addEventListener(type, resolve, { once: true }))
}

/** A promise and the function that resolves it, for a test to release a scripted host. */
export function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve = () => {}
  const promise = new Promise<void>((done) => {
    resolve = done
  })
  return { promise, resolve }
}
