import { type IncomingMessage, STATUS_CODES } from 'node:http'
import type { Duplex } from 'node:stream'
import { toPandoraError, WS_CLOSE, WS_PROTOCOL } from '@pandora/core'
import { type WebSocket, WebSocketServer } from 'ws'
import { TokenAuth } from '../auth.js'
import { problemOf } from '../http/responses.js'
import { type SessionSettings, SocketSession } from './socket-session.js'

/** How long peers get to answer the close handshake at shutdown before they are cut off. */
const CLOSE_GRACE_MS = 1000

/** Options of the WebSocket endpoint. */
export interface GatewayOptions extends SessionSettings {
  /** Path of the endpoint. */
  path: string
  /** Largest frame a client may send, bytes. */
  maxPayload: number
  /** Checks the upgrade request's Host and Origin; throws a PandoraError to refuse it. */
  admit(req: IncomingMessage): void
}

/**
 * Accepts WebSocket upgrades on one path: checks the Host and Origin, takes a bearer token from the
 * `Authorization` header when present (Node clients), or else lets the socket authenticate with
 * its first frame (browsers, which cannot set headers, and must not put tokens in URLs).
 */
export class WsGateway {
  readonly #wss: WebSocketServer
  readonly #sessions = new Set<SocketSession>()
  readonly #heartbeat: ReturnType<typeof setInterval>
  readonly #o: GatewayOptions

  constructor(options: GatewayOptions) {
    this.#o = options
    this.#wss = new WebSocketServer({
      noServer: true,
      maxPayload: options.maxPayload,
      handleProtocols: (protocols) => (protocols.has(WS_PROTOCOL) ? WS_PROTOCOL : false),
    })
    this.#heartbeat = setInterval(() => {
      for (const s of this.#sessions) s.heartbeat()
    }, options.heartbeatMs)
    this.#heartbeat.unref()
  }

  /** Subscriptions across every socket, for metrics. */
  get subscriptions(): number {
    let n = 0
    for (const s of this.#sessions) n += s.subscriptions
    return n
  }

  /** Handles an HTTP upgrade; returns false when the path is not ours. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, pathname: string): boolean {
    if (pathname !== this.#o.path) return false
    const refuse = (status: number, text: string, body = '') => {
      const type = body ? 'Content-Type: application/problem+json; charset=utf-8\r\n' : ''
      socket.end(
        `HTTP/1.1 ${status} ${text}\r\nConnection: close\r\n${type}Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
      )
    }
    try {
      this.#o.admit(req)
    } catch (error) {
      const e = toPandoraError(error)
      refuse(e.status, STATUS_CODES[e.status] ?? 'Forbidden', JSON.stringify(problemOf(e)))
      return true
    }
    const token = TokenAuth.bearer(req.headers.authorization)
    let principal = this.#o.auth.authenticate(token)
    if (token !== undefined && principal === null) {
      refuse(401, 'Unauthorized')
      return true
    }
    if (!this.#o.auth.required) principal = this.#o.auth.authenticate(undefined)
    this.#wss.handleUpgrade(req, socket, head, (ws: WebSocket) => {
      const session = new SocketSession(ws, principal, this.#o)
      this.#sessions.add(session)
      ws.once('close', () => this.#sessions.delete(session))
    })
    return true
  }

  /** Closes every socket (giving their leases back) and stops the heartbeat. */
  async close(): Promise<void> {
    clearInterval(this.#heartbeat)
    await Promise.all([...this.#sessions].map((s) => s.close(WS_CLOSE.goingAway, 'server shutting down')))
    this.#sessions.clear()
    const closed = new Promise<void>((resolve) => this.#wss.close(() => resolve()))
    // ws waits for every peer to answer the close handshake (up to 30 s each); a frozen or
    // vanished peer must not hold up a shutdown: its leases were given back already.
    const grace = setTimeout(() => {
      for (const ws of this.#wss.clients) ws.terminate()
    }, CLOSE_GRACE_MS)
    await closed
    clearTimeout(grace)
  }
}
