import type { ServerResponse } from 'node:http'

/**
 * @internal An `AbortSignal` aborted when the client leaves before its response is finished, or
 * when the host closes.
 */
export function requestSignal(closing: AbortSignal, response: ServerResponse): AbortSignal {
  const controller = new AbortController()
  response.on('close', () => {
    if (!response.writableFinished) controller.abort('client disconnected')
  })
  return AbortSignal.any([controller.signal, closing])
}
