import { createServer as createHttpServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import {
  FETCH_MAX_BATCH,
  JSON_ROUTES,
  type JsonRoute,
  PandoraError,
  type Store,
  toPandoraError,
  WS_MAX_CLIENT_FRAME_BYTES,
  WS_MAX_SUBSCRIPTIONS,
} from '@pandora/core'
import { type Logger, pino } from 'pino'
import { TokenAuth, type TokenEntry } from './auth.js'
import { answerClientError, connectionTimeouts } from './http/connection-timeouts.js'
import { mountFormApi } from './http/form-api.js'
import { HostPolicy } from './http/host-policy.js'
import { mountJsonApi } from './http/json-api.js'
import { OriginPolicy } from './http/origin-policy.js'
import { createRequestHandler } from './http/request-handler.js'
import { sendJson, sendProblem } from './http/responses.js'
import { Router } from './http/router.js'
import { Metrics } from './metrics.js'
import { openApiDocument } from './openapi.js'
import { observeStore } from './push/observed-store.js'
import { PushHub } from './push/push-hub.js'
import { WatchHub } from './push/watch-hub.js'
import { WsGateway } from './push/ws-gateway.js'
import { RefusalLog } from './refusal-log.js'
import type { ServerContext } from './server-context.js'
import { VERSION } from './version.js'

/** Options of {@link createServer}. */
export interface ServerOptions {
  /** The store to serve (it must be open; `ready()` is awaited). */
  store: Store
  /** Close the store when the server closes (default true). */
  ownsStore?: boolean
  /** TCP port; 0 picks a free one (default 4003, as the original). */
  port?: number
  /** Address to bind (default 127.0.0.1). */
  host?: string
  /** One shared secret with every right; or use `tokens` for scoped tokens. */
  token?: string
  /** Scoped tokens (e.g. from a token file); see {@link TokenEntry}. */
  tokens?: readonly TokenEntry[]
  /**
   * Largest encoded body. The store's own limit (`store.limits.maxSize`) is what the server
   * announces and enforces; given here, it must equal the store's, or `createServer` refuses.
   */
  maxSize?: number
  /**
   * Browser origins allowed to open the WebSocket and call the API cross-origin. Same-origin pages
   * are always allowed; `['*']` allows any (only sensible with tokens). Default: none.
   */
  allowedOrigins?: readonly string[]
  /**
   * Host names served without a token, besides the loopback names (`localhost`, `127.x.x.x`,
   * `[::1]`) and the bound address (on a wildcard bind: any IP literal). Guards against DNS
   * rebinding; with tokens configured any Host is served. `['*']` allows any. Default: none.
   */
  allowedHosts?: readonly string[]
  /** A client must send its request head within this, ms (default 10 s). */
  headersTimeoutMs?: number
  /** A client must send its whole request within this, ms (default 30 s). */
  requestTimeoutMs?: number
  /** Pause pushing while a socket buffers more than this many bytes (default 1 MiB). */
  socketBufferLimit?: number
  /**
   * A socket whose buffer stays over `socketBufferLimit` this long is a slow consumer: its leases
   * are given back and it is closed with code 4408, ms (default 5 s).
   */
  slowSocketGraceMs?: number
  /** Most subscriptions per socket (default 64). */
  maxSubscriptionsPerSocket?: number
  /** WebSocket ping interval, ms (default 30 s); a peer silent for two intervals is dropped. */
  heartbeatMs?: number
  /** The admin event stream (`watch` frames) sends at most one `changes` frame per socket this often, ms (default 100). */
  watchWindowMs?: number
  /**
   * While an admin socket watches, every watched mailbox is counted again this often, ms (default
   * 2000): changes no signal announces (a lease or a delay running out, fetches and acks through
   * other instances sharing the store) show within this.
   */
  watchResyncMs?: number
  /** Folder of the web console's built files, served at `/` (default: none). */
  webRoot?: string
  /** A pino logger, or false for none (default: pino at `info` to stdout). */
  logger?: Logger | false
  /** How long `close()` waits for requests in flight before cutting them, ms (default 10 s). */
  shutdownTimeoutMs?: number
}

/** A running server. */
export interface PandoraServer {
  /** Base URL, e.g. `http://127.0.0.1:4003`. */
  readonly url: string
  readonly port: number
  /** The store as the server uses it: changes made through it reach the admin event stream. */
  readonly store: Store
  /** Stops accepting, gives back the leases of connected subscribers, finishes requests, closes the store. */
  close(): Promise<void>
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost'])

/**
 * Starts Pandora's HTTP and WebSocket server on a store.
 *
 * @example
 * ```ts
 * import { openMemoryStore } from '@pandora/core'
 * import { createServer } from '@pandora/server'
 * const server = await createServer({ store: await openMemoryStore(), port: 0 })
 * console.log(server.url)
 * await server.close()
 * ```
 */
export async function createServer(options: ServerOptions): Promise<PandoraServer> {
  await options.store.ready()
  const host = options.host ?? '127.0.0.1'
  const logger =
    options.logger === false ? pino({ enabled: false }) : (options.logger ?? pino({ name: 'pandorad' }))
  const entries: TokenEntry[] = [...(options.tokens ?? [])]
  if (options.token)
    entries.push({
      token: options.token,
      name: 'shared',
      scopes: { admin: true, send: ['*'], receive: ['*'] },
    })
  const auth = new TokenAuth(entries)
  if (!auth.required && !LOOPBACK.has(host)) {
    logger.warn(
      { host },
      `WARNING: listening on ${host} WITHOUT A TOKEN: anyone who can reach this address can read and delete every message. Set --token or --token-file.`,
    )
  }
  const maxSize = options.store.limits.maxSize
  if (options.maxSize !== undefined && options.maxSize !== maxSize) {
    throw new PandoraError(
      'invalid_input',
      `maxSize ${options.maxSize} differs from the store's ${maxSize}: set it on the store`,
    )
  }
  let gateway: WsGateway | undefined
  const rawStore = options.store
  const watches = new WatchHub(rawStore, {
    ...(options.watchWindowMs !== undefined ? { windowMs: options.watchWindowMs } : {}),
    ...(options.watchResyncMs !== undefined ? { resyncMs: options.watchResyncMs } : {}),
    onError: (error) => logger.error({ err: error }, 'watch count failed'),
  })
  // Every route and socket uses the observed store, so the admin event stream hears each change.
  // A purge through any of them also tells the sockets holding leases on the purged messages.
  const store = observeStore(rawStore, watches, { onPurged: (receiver) => hub.revoked(receiver, 'purged') })
  const hub = new PushHub(store, { onError: (error) => logger.error({ err: error }, 'push failed') })
  const metrics = new Metrics(
    store,
    () => gateway?.subscriptions ?? 0,
    () => watches.size,
  )
  const bodyLimit = maxSize * 3 + 16 * 1024
  const state = { closing: false }
  const ctx: ServerContext = {
    store,
    hub,
    auth,
    metrics,
    logger,
    version: VERSION,
    maxSize,
    bodyLimit,
    batchBodyLimit: bodyLimit * FETCH_MAX_BATCH,
    get closing() {
      return state.closing
    },
  }
  const origins = new OriginPolicy(options.allowedOrigins)
  const hosts = new HostPolicy({
    tokenRequired: auth.required,
    bindHost: host,
    allowedHosts: options.allowedHosts,
  })

  const router = new Router()
  mountJsonApi(router, ctx)
  mountFormApi(router, ctx, '')
  mountFormApi(router, ctx, '/api')
  const openapi = JSON.stringify(openApiDocument(VERSION))
  router.add('GET', '/v1/openapi.json', (c) => {
    c.res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' })
    c.res.end(openapi)
  })
  router.add('GET', '/healthz', (c) => sendJson(c.res, 200, { status: 'ok' }))
  router.add('GET', '/readyz', (c) =>
    state.closing
      ? sendJson(c.res, 503, { status: 'closing' })
      : sendJson(c.res, 200, { status: 'ready', store: store.kind }),
  )
  router.add('GET', '/metrics', async (c) => {
    const text = await metrics.registry.metrics()
    c.res.writeHead(200, { 'content-type': metrics.registry.contentType })
    c.res.end(text)
  })
  const refusals = new RefusalLog(logger)
  const handle = createRequestHandler({
    refusals,
    router,
    auth,
    origins,
    hosts,
    metrics,
    logger,
    // Probes and discovery answer without a token.
    openRoutes: new Set([
      '/healthz',
      '/readyz',
      '/v1/openapi.json',
      ...Object.values(JSON_ROUTES as Record<string, JsonRoute>)
        .filter((r) => r.open)
        .map((r) => r.path),
    ]),
    adminRoutes: new Set(['/metrics']),
    webRoot: options.webRoot,
  })

  const inflight = new Set<Promise<void>>()
  const timeouts = connectionTimeouts(options)
  const server: Server = createHttpServer(timeouts, (req, res) => {
    const p = handle(req, res).catch((error: unknown) => {
      logger.error({ err: error }, 'request crashed')
      if (!res.headersSent) sendProblem(res, toPandoraError(error))
    })
    inflight.add(p)
    void p.finally(() => inflight.delete(p))
  })
  gateway = new WsGateway({
    path: '/v1/ws',
    store,
    hub,
    watches,
    auth,
    metrics,
    maxSize,
    maxPayload: WS_MAX_CLIENT_FRAME_BYTES,
    maxSubscriptions: options.maxSubscriptionsPerSocket ?? WS_MAX_SUBSCRIPTIONS,
    heartbeatMs: options.heartbeatMs ?? 30_000,
    bufferLimit: options.socketBufferLimit ?? 1024 * 1024,
    slowSocketGraceMs: options.slowSocketGraceMs ?? 5000,
    authTimeoutMs: 10_000,
    // The upgrade passes the same gate as every HTTP request: Host first, then Origin.
    admit: (req) => {
      try {
        hosts.check(req.headers.host)
        origins.check(req)
      } catch (error) {
        const where = { route: '/v1/ws', origin: req.headers.origin, host: req.headers.host }
        refusals.note(toPandoraError(error), where)
        throw error
      }
    },
    onError: (error) => logger.error({ err: error }, 'socket failed'),
  })
  server.on('upgrade', (req, socket, head) => {
    let pathname = '/'
    try {
      pathname = new URL(req.url ?? '/', 'http://localhost').pathname
    } catch {}
    if (state.closing || !gateway!.handleUpgrade(req, socket, head, pathname)) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n')
    }
  })
  server.on('clientError', answerClientError)

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 4003, host, () => {
      server.off('error', reject)
      resolve()
    })
  })
  const port = (server.address() as AddressInfo).port
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`

  let closed: Promise<void> | undefined
  return {
    url,
    port,
    store,
    close() {
      closed ??= (async () => {
        state.closing = true
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()))
        server.closeIdleConnections()
        hub.close()
        watches.close()
        await gateway!.close()
        const timeout = new Promise<void>((resolve) =>
          setTimeout(resolve, options.shutdownTimeoutMs ?? 10_000).unref(),
        )
        await Promise.race([Promise.all(inflight), timeout])
        server.closeAllConnections()
        await stopped
        if (options.ownsStore !== false) await rawStore.close()
      })()
      return closed
    },
  }
}
