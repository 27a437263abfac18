import type { IncomingMessage } from 'node:http'
import {
  decodeHttpBody,
  type HttpBodies,
  type HttpBodyName,
  ProtocolError,
} from '@fabstir/protocol'
import type { HostContext } from '../internal/HostContext.js'

/**
 * @internal Reads a request body within the host's message limit and validates it as `name`.
 *
 * @throws {ProtocolError} `MESSAGE_TOO_LARGE`, or `BAD_MESSAGE` for a body that is not a `name`.
 */
export async function readJsonBody<name extends HttpBodyName>(
  context: HostContext,
  request: IncomingMessage,
  name: name,
): Promise<HttpBodies[name]> {
  const { maxMessageBytes } = context.limits
  return decodeHttpBody(name, await readBody(request, maxMessageBytes), { maxMessageBytes })
}

/**
 * @internal Reads a request body of at most `maxBytes`, refusing a larger one as soon as its
 * `Content-Length` or its bytes so far say so, without buffering the rest.
 *
 * @throws {ProtocolError} `MESSAGE_TOO_LARGE`; `BAD_MESSAGE` if the client aborts the upload.
 */
export function readBody(request: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const tooLarge = () =>
    new ProtocolError('MESSAGE_TOO_LARGE', 'Request body exceeds the size limit', {
      details: `more than ${maxBytes} bytes`,
    })
  const declared = Number(request.headers['content-length'] ?? 0)
  if (declared > maxBytes) {
    request.resume() // discard it; the response closes the connection
    return Promise.reject(tooLarge())
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let length = 0
    const onData = (chunk: Buffer) => {
      length += chunk.length
      if (length > maxBytes) {
        request.off('data', onData)
        request.resume()
        reject(tooLarge())
        return
      }
      chunks.push(chunk)
    }
    request.on('data', onData)
    request.on('end', () => resolve(Buffer.concat(chunks, length)))
    request.on('error', (error) =>
      reject(new ProtocolError('BAD_MESSAGE', 'The request body did not arrive', { cause: error })),
    )
  })
}
