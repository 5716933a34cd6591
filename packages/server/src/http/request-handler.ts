import type { IncomingMessage, ServerResponse } from 'node:http'
import { PandoraError, toPandoraError } from '@pandora/core'
import type { Logger } from 'pino'
import { TokenAuth } from '../auth.js'
import type { Metrics } from '../metrics.js'
import type { RefusalLog } from '../refusal-log.js'
import type { HostPolicy } from './host-policy.js'
import { type OriginPolicy, schemeOf } from './origin-policy.js'
import { sendFormError, sendProblem } from './responses.js'
import type { Router } from './router.js'
import { serveStatic } from './static-files.js'
import { assertUtf8Escapes } from './strict-utf8.js'

/** What the request pipeline needs. */
export interface RequestHandlerOptions {
  router: Router
  auth: TokenAuth
  origins: OriginPolicy
  hosts: HostPolicy
  metrics: Metrics
  logger: Logger
  /** Routes anyone may call, token or not. */
  openRoutes: ReadonlySet<string>
  /** Routes that need an admin token even when tokens are configured for everything else. */
  adminRoutes: ReadonlySet<string>
  /** Where refused requests are logged (rate-limited). */
  refusals: RefusalLog
  /** Folder of the web console, served for GETs no route matched. */
  webRoot?: string | undefined
}

/**
 * The one HTTP pipeline: CORS for allowed foreign origins, routing (404, 405 with `Allow`),
 * authentication, the route's handler, the web console's files, and errors turned into the right
 * format — RFC 9457 problems on the JSON API, `error=…` forms on the original API. Every request
 * is timed by route pattern (never by concrete path, which would leak mailbox names into labels).
 */
export function createRequestHandler(o: RequestHandlerOptions) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const started = performance.now()
    let route = 'unknown'
    let style: 'json' | 'form' = 'json'
    try {
      let url: URL
      try {
        url = new URL(req.url ?? '/', 'http://localhost')
      } catch {
        throw new PandoraError('invalid_input', 'bad request target')
      }
      style = url.pathname.startsWith('/v1/') ? 'json' : 'form'
      // The trust boundary, before anything else, on every route (docs/security.md).
      o.hosts.check(req.headers.host)
      o.origins.check(req)
      assertUtf8Escapes(url.search, 'query string')
      const origin = req.headers.origin
      if (o.origins.needsCors(origin, req.headers.host, schemeOf(req))) {
        res.setHeader('access-control-allow-origin', origin)
        res.setHeader('vary', 'Origin')
        if (req.method === 'OPTIONS') {
          res.writeHead(204, {
            'access-control-allow-methods': 'GET, POST, PUT, DELETE',
            'access-control-allow-headers': 'authorization, content-type',
            'access-control-max-age': '600',
          })
          res.end()
          return
        }
      }
      const match = o.router.match(req.method ?? 'GET', url.pathname)
      if (match.kind === 'none') {
        if ((req.method === 'GET' || req.method === 'HEAD') && o.webRoot) {
          route = 'static'
          if (await serveStatic(o.webRoot, url.pathname, res, req.method === 'HEAD')) return
          route = 'unknown'
        }
        throw new PandoraError('not_found', `no route ${url.pathname}`)
      }
      if (match.kind === 'method') {
        style = match.style
        res.setHeader('allow', match.allowed.join(', '))
        throw new PandoraError('method_not_allowed', `use ${match.allowed.join(' or ')} for ${url.pathname}`)
      }
      route = match.route.pattern
      style = match.route.style
      const principal = o.auth.authenticate(TokenAuth.bearer(req.headers.authorization))
      if (!principal && !o.openRoutes.has(route)) {
        res.setHeader('www-authenticate', 'Bearer')
        throw new PandoraError('unauthorized', 'a valid token is required')
      }
      if (o.adminRoutes.has(route) && !principal?.admin) {
        throw new PandoraError('forbidden', `${route} needs an admin token`)
      }
      // Open routes do not read the principal; every other route has one.
      await match.route.handler({ req, res, url, params: match.params, principal: principal! })
    } catch (error) {
      const e = toPandoraError(error)
      if (e.code === 'internal' || e.status >= 500) o.logger.error({ err: error, route }, 'request failed')
      else if (e.code === 'client_closed_request') o.logger.debug({ route }, e.message)
      else o.refusals.note(e, { route, origin: req.headers.origin, host: req.headers.host })
      if (res.headersSent) res.destroy()
      else if (style === 'form') sendFormError(res, e)
      else {
        if (e.code === 'origin_not_allowed' || e.code === 'host_not_allowed') exposeRefusal(req, res)
        sendProblem(res, e)
      }
    } finally {
      const seconds = (performance.now() - started) / 1000
      const labels = { method: req.method ?? 'GET', route, status: String(res.statusCode) }
      o.metrics.requestDuration.observe(labels, seconds)
      // The request log: the route's pattern, never the concrete path, a body or a token.
      if (o.logger.isLevelEnabled('debug'))
        o.logger.debug({ ...labels, ms: Math.round(seconds * 1e4) / 10 }, 'request')
    }
  }
}

/**
 * Lets a refused page read the refusal: the problem body of a JSON API route, which tells why and
 * nothing else (the request ran no route). Without the header the browser hides the reply, and the
 * SDK on that page could only say "cannot reach the server" instead of `origin_not_allowed`.
 */
function exposeRefusal(req: IncomingMessage, res: ServerResponse): void {
  const origin = req.headers.origin
  if (typeof origin !== 'string') return
  res.setHeader('access-control-allow-origin', origin)
  res.setHeader('vary', 'Origin')
}
