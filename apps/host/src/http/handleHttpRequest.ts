import type { IncomingMessage, ServerResponse } from 'node:http'
import { ProtocolError } from '@fabstir/protocol'
import type { HostContext } from '../internal/HostContext.js'
import { foreignOrigin, isOriginAllowed } from './checkOrigin.js'
import { getHealth, getModels, getVersion } from './describeHost.js'
import { handleAuthChallenge } from './handleAuthChallenge.js'
import { handleAuthRefresh } from './handleAuthRefresh.js'
import { handleAuthToken } from './handleAuthToken.js'
import { handleInference } from './handleInference.js'
import { malformedTarget, requestPath } from './requestPath.js'
import { sendError, sendJson } from './respond.js'

type Handler = (
  context: HostContext,
  request: IncomingMessage,
  response: ServerResponse,
) => void | Promise<void>

/** Routes by path, then method. `HEAD` is served wherever `GET` is. */
const routes: Readonly<Record<string, Readonly<Partial<Record<string, Handler>>>>> = {
  '/health': {
    GET: (context, _request, response) => {
      const health = getHealth(context)
      sendJson(response, health.status === 'ok' ? 200 : 503, health)
    },
  },
  '/v1/version': {
    GET: (context, _request, response) => sendJson(response, 200, getVersion(context)),
  },
  '/v1/models': {
    GET: (context, _request, response) => sendJson(response, 200, getModels(context)),
  },
  '/v1/inference': { POST: handleInference },
  '/v1/auth/challenge': { POST: handleAuthChallenge },
  '/v1/auth/token': { POST: handleAuthToken },
  '/v1/auth/refresh': { POST: handleAuthRefresh },
}

/**
 * @internal Serves the HTTP endpoints of PROTOCOL.md §2. Every error is `{error:{code, message}}`
 * with the code's status; an unknown path is a 404 and a known path with another method a 405
 * (both with code `BAD_MESSAGE`, as the protocol has no routing codes), and a target that is no
 * URL a 400 `BAD_MESSAGE`; a `POST` from a foreign browser origin a 403 `PERMISSION_DENIED`
 * (`isOriginAllowed`). Never rejects: whatever fails is answered (or, once the headers are
 * sent, the connection is cut) and logged.
 */
export async function handleHttpRequest(
  context: HostContext,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  const { logger } = context
  try {
    await route(context, request, response)
  } catch (error) {
    // route answers its own failures; this is the last guard, for a throw while answering.
    logger.error('request failed', { error: String(error) })
    if (!response.headersSent) {
      try {
        sendError(response, error, { headers: { connection: 'close' }, logger })
        return
      } catch {
        // fall through: cut the connection
      }
    }
    response.destroy()
  }
}

async function route(
  context: HostContext,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  const { logger } = context
  const path = requestPath(request.url)
  if (path === undefined) {
    sendError(response, malformedTarget(), {
      status: 400,
      headers: { connection: 'close' },
      logger,
    })
    return
  }
  const methods = Object.hasOwn(routes, path) ? routes[path] : undefined
  if (methods === undefined) {
    const error = new ProtocolError('BAD_MESSAGE', 'No such endpoint', {
      details: path.slice(0, 64),
    })
    sendError(response, error, { status: 404, logger })
    return
  }
  const method = request.method === 'HEAD' ? 'GET' : (request.method ?? 'GET')
  const handler = Object.hasOwn(methods, method) ? methods[method] : undefined
  if (handler === undefined) {
    const allowed = Object.keys(methods).join(', ')
    const error = new ProtocolError('BAD_MESSAGE', 'Method not allowed', {
      details: `use ${allowed}`,
    })
    sendError(response, error, { status: 405, headers: { allow: allowed }, logger })
    return
  }
  // A web page may send POSTs to a loopback host without asking (no CORS preflight for simple
  // requests): only non-browser clients, loopback pages and allowed origins are served.
  if (method !== 'GET' && !isOriginAllowed(request.headers.origin, context.allowedOrigins)) {
    sendError(response, foreignOrigin(), { headers: { connection: 'close' }, logger })
    return
  }
  try {
    await handler(context, request, response)
  } catch (error) {
    if (response.headersSent) {
      logger.error('request failed after its headers were sent', { path, error: String(error) })
      response.destroy()
      return
    }
    // A body too large is left unread: the connection closes after the answer.
    const closing =
      ProtocolError.isInstance(error) && error.code === 'MESSAGE_TOO_LARGE'
        ? { connection: 'close' }
        : {}
    sendError(response, error, { headers: closing, logger })
  }
}
