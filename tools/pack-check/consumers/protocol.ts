// Type-checked by pack-check against the installed tarball, as .mts, .cts and .ts, in a Node
// project and a browser project: keep it free of Node and DOM names.
import {
  type ClientMessage,
  canonicalJson,
  decodeClientMessage,
  decodeHostMessage,
  encodeMessage,
  FabstirError,
  type HostMessage,
  negotiateCompression,
  ProtocolError,
} from '@fabstir/protocol'

export function onFrame(data: string | Uint8Array): string | Uint8Array {
  try {
    const message: ClientMessage = decodeClientMessage(data)
    if (message.type === 'session_init') {
      const compression = negotiateCompression(message.compression)
      return encodeMessage({ type: 'pong', session_id: message.session_id }, { compression })
    }
    return canonicalJson(message)
  } catch (error) {
    if (ProtocolError.isInstance(error)) return JSON.stringify(error.toErrorMessage())
    if (FabstirError.isInstance(error)) return error.code
    throw error
  }
}

export function onHostFrame(data: string | Uint8Array): HostMessage['type'] {
  return decodeHostMessage(data).type
}
