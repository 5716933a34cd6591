import type { Duplex } from 'node:stream'
import { PandoraError } from '@pandora/core'
import { problemOf } from './responses.js'

/** Timeouts against slow clients, as options of createServer. */
export interface TimeoutOptions {
  /** A client must send its whole request head within this, ms (default 10 s). */
  headersTimeoutMs?: number | undefined
  /** A client must send its whole request, body included, within this, ms (default 30 s). */
  requestTimeoutMs?: number | undefined
}

/** The settings of Node's http server that enforce {@link TimeoutOptions}. */
export interface NodeTimeouts {
  headersTimeout: number
  requestTimeout: number
  /** How often Node checks the two timeouts: a slow client is cut at most this much late. */
  connectionsCheckingInterval: number
}

/**
 * Node's http server enforces `headersTimeout` and `requestTimeout` only when it checks its
 * connections, every `connectionsCheckingInterval` (30 s by default) — which is why a slow-header
 * client used to be cut after 25–30 s instead of 10. Checking every second (more often for short
 * test timeouts) keeps the cut within a second of the timeout, for a cost of one pass over the
 * open connections per check.
 *
 * @example
 * ```ts
 * createHttpServer({ ...connectionTimeouts({ headersTimeoutMs: 10_000 }) }, handler)
 * ```
 */
export function connectionTimeouts(o: TimeoutOptions): NodeTimeouts {
  const headersTimeout = o.headersTimeoutMs ?? 10_000
  const requestTimeout = o.requestTimeoutMs ?? Math.max(30_000, headersTimeout)
  if (!(headersTimeout > 0) || !(requestTimeout >= headersTimeout)) {
    throw new RangeError('requestTimeoutMs must be at least headersTimeoutMs, and both above 0')
  }
  const connectionsCheckingInterval = Math.max(10, Math.min(1000, Math.floor(headersTimeout / 4)))
  return { headersTimeout, requestTimeout, connectionsCheckingInterval }
}

/**
 * The http server's `clientError` listener: a request cut by a timeout gets 408 with a problem
 * body (code `request_timeout`), anything unparsable 400 — unless a reply already started.
 */
export function answerClientError(error: Error & { code?: string }, socket: Duplex): void {
  const started = (socket as { _httpMessage?: { headersSent?: boolean } })._httpMessage?.headersSent === true
  if (!socket.writable || started) {
    socket.destroy()
    return
  }
  const timedOut = error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
  const problem = problemOf(
    timedOut
      ? new PandoraError('request_timeout', 'the request did not arrive in time')
      : new PandoraError('invalid_input', 'malformed HTTP request'),
  )
  const body = JSON.stringify(problem)
  socket.end(
    `HTTP/1.1 ${timedOut ? '408 Request Timeout' : '400 Bad Request'}\r\n` +
      'Connection: close\r\nContent-Type: application/problem+json; charset=utf-8\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  )
}
