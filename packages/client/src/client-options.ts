import type { WireMailboxStats } from '@pandora/core'
import type { ConnectionState } from './connection.js'
import type { FetchFunction } from './http-api.js'
import type { ReconnectEvent, ReconnectOptions } from './reconnect-policy.js'
import type { TransportFactory } from './transport.js'
import type { WebSocketConstructor } from './websocket-transport.js'

/** Settings of a {@link PandoraClient}. */
export interface PandoraClientOptions {
  /** The server's HTTP address, e.g. `http://127.0.0.1:4003`. The WebSocket address is derived from it. */
  url: string
  /** Bearer token, when the server requires one. Sent as a header over HTTP and in an `auth` frame over WebSocket. */
  token?: string
  /**
   * Default sender mailbox of {@link PandoraClient.send} and {@link PandoraClient.sendBatch}. A
   * client made without it must name the sender of every message (`{ from }`): the types demand it.
   */
  from?: string
  /** The `fetch` function for HTTP calls. Default: `globalThis.fetch`. */
  fetch?: FetchFunction
  /**
   * The WebSocket class for push. Default: `globalThis.WebSocket`; the Node entry falls back to the
   * `ws` package where Node has no global one.
   */
  WebSocket?: WebSocketConstructor
  /** Replaces the WebSocket transport altogether (e.g. {@link MemoryHub.transport} in tests). */
  transport?: TransportFactory
  /** Longest wait for one HTTP reply or WebSocket reply, in ms (a fetch's `wait` comes on top). Default 10 000. */
  requestTimeout?: number
  /** Extra attempts of a send after a network error or a 502–504 reply; retries are idempotent. Default 2. */
  retries?: number
  /** Reconnection backoff after the socket drops. Default: 250 ms doubling up to 30 s, half jitter, forever. */
  reconnect?: ReconnectOptions
  /** WebSocket ping interval in ms; default follows the server's welcome; `false` turns it off. */
  heartbeat?: number | false
}

/** Options of {@link PandoraClient.send}. */
export interface SendOptions {
  /** Sender mailbox; default the client's `from`. */
  from?: string
  /** Deliver no sooner than this many ms after the server receives it. */
  delay?: number
  /**
   * -10 (background) to 10 (urgent), default 0: among due messages a mailbox delivers higher
   * priorities first. Not part of the mid: resending the same body with another priority is a
   * `duplicate` that keeps the first one's.
   */
  priority?: number
  /**
   * The `clientTime` to put in the body (an RFC 3339 string with an offset, or a Date), instead of
   * the current time. The mid covers `clientTime`, so sending the same fields with the same
   * `clientTime` again is a `duplicate` that enqueues nothing: keep one per logical message to
   * make a deliberate resend (after a crash, a user's second click) idempotent.
   *
   * @example
   * ```ts
   * const clientTime = new Date()   // stored with the order, reused on every resend
   * await pandora.send('orders@shop', { sku: 'A1' }, { clientTime })
   * await pandora.send('orders@shop', { sku: 'A1' }, { clientTime })   // { duplicate: true }
   * ```
   */
  clientTime?: string | Date
  signal?: AbortSignal
}

/**
 * The options argument of {@link PandoraClient.send} for a client whose default sender is `Sender`:
 * optional when the client has a default sender (a string), else required and naming `from`.
 */
export type SendArgs<Sender extends string | undefined> = [Sender] extends [string]
  ? [options?: SendOptions]
  : [options: SendOptions & { from: string }]

/** A message of {@link PandoraClient.sendBatch}: `from` is required unless the client has a default sender. */
export type BatchMessageFor<Sender extends string | undefined> = [Sender] extends [string]
  ? BatchMessage
  : BatchMessage & { from: string }

/** One message of {@link PandoraClient.sendBatch}. */
export interface BatchMessage {
  receiver: string
  fields: Record<string, string | readonly string[]>
  /** Sender mailbox; default the client's `from`. */
  from?: string
  /** Deliver no sooner than this many ms after the server receives it. */
  delay?: number
  /** -10 (background) to 10 (urgent), default 0; see {@link SendOptions.priority}. */
  priority?: number
}

/** Options of {@link PandoraClient.fetch}. */
export interface ClientFetchOptions {
  /** Lease length in ms (1 s – 12 h). Default: the server's (5 min). */
  leaseTime?: number
  /** Long poll: wait up to this many ms (at most 60 000) for a message when none is due. Default 0. */
  wait?: number
  signal?: AbortSignal
}

/** Options of {@link PandoraClient.fetchMany}. */
export interface FetchManyOptions extends ClientFetchOptions {
  /** Most messages to lease (1–256). Default 1. */
  max?: number
}

/** Options of {@link PandoraClient.headers}. */
export interface HeadersOptions {
  /** Only messages received at or after this time. */
  since?: Date | string
  /** Most headers to return (1–1000, server default 100). */
  limit?: number
  /**
   * `'asc'` (default): oldest received first, so `limit` keeps the oldest. `'desc'`: newest first,
   * so `limit` keeps the newest.
   */
  order?: 'asc' | 'desc'
  signal?: AbortSignal
}

/** Counts of one mailbox. */
export type MailboxStats = WireMailboxStats

/** Events of a {@link PandoraClient}. */
export interface PandoraClientEvents extends Record<string, unknown> {
  /** The WebSocket's state changed. */
  state: ConnectionState
  /** A failure nobody else was told about (a subscription without `onError`, a refused token, ...). */
  error: unknown
  /** A reconnection attempt is scheduled. */
  reconnect: ReconnectEvent
}
