import {
  countResponseSchema,
  fetchResponseSchema,
  headersResponseSchema,
  isValidMailbox,
  mailboxesResponseSchema,
  mailboxStatsSchema,
  okResponseSchema,
  PandoraError,
  renewResponseSchema,
  type SendRequest,
  sendBatchResponseSchema,
  sendResponseSchema,
  storedMessageSchema,
  type WireMailboxStats,
} from '@pandora/core'
import { Connection, type ConnectionState, type ReconnectEvent, type ReconnectOptions } from './connection.js'
import { Emitter } from './emitter.js'
import { FieldMap } from './field-map.js'
import { type FetchFunction, HttpApi, type ReplySchema, webSocketUrl } from './http-api.js'
import { headerFromWire, type LeaseOps, Message, type MessageHeader, type StoredMessage } from './message.js'
import { type MessageHandler, type SubscribeOptions, Subscription } from './subscription.js'
import type { TransportFactory } from './transport.js'
import { type WebSocketConstructor, WebSocketTransport } from './websocket-transport.js'

/** Settings of a {@link PandoraClient}. */
export interface PandoraClientOptions {
  /** The server's HTTP address, e.g. `http://127.0.0.1:4003`. The WebSocket address is derived from it. */
  url: string
  /** Bearer token, when the server requires one. Sent as a header over HTTP and in an `auth` frame over WebSocket. */
  token?: string
  /** Default sender mailbox of {@link PandoraClient.send} when a call gives no `from`. */
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

/** One message of {@link PandoraClient.sendBatch}. */
export interface BatchMessage {
  receiver: string
  fields: Record<string, string | readonly string[]>
  /** Sender mailbox; default the client's `from`. */
  from?: string
  /** Deliver no sooner than this many ms after the server receives it. */
  delay?: number
}

/** The outcome of a send. */
export interface SendResult {
  /** Message id: SHA-1 of the canonical body. */
  mid: string
  /** True when the very same body was stored before: nothing new was enqueued. */
  duplicate: boolean
}

/** Options of {@link PandoraClient.fetch}. */
export interface FetchOptions {
  /** Lease length in ms (1 s – 12 h). Default: the server's (5 min). */
  leaseTime?: number
  /** Long poll: wait up to this many ms (at most 60 000) for a message when none is due. Default 0. */
  wait?: number
  signal?: AbortSignal
}

/** Options of {@link PandoraClient.fetchMany}. */
export interface FetchManyOptions extends FetchOptions {
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

/** What `GET /v1/info` tells about a server. */
export interface ServerInfo {
  version: string
  /** Largest encoded body in bytes. */
  maxSize: number
  authRequired: boolean
  /**
   * The server's clock when it answered. `serverTime.getTime()` minus the local time halfway
   * between sending the request and receiving the reply is this machine's clock offset: add it to
   * `Date.now()` to count down to `leasedUntil` or `sendWhen`, which are on the server's clock. A server older than this field is assumed to
   * share the local clock (the local time at the reply).
   */
  serverTime: Date
}

/** Events of a {@link PandoraClient}. */
export interface PandoraClientEvents extends Record<string, unknown> {
  /** The WebSocket's state changed. */
  state: ConnectionState
  /** A failure nobody else was told about (a subscription without `onError`, a refused token, ...). */
  error: unknown
  /** A reconnection attempt is scheduled. */
  reconnect: ReconnectEvent
}

const infoSchema: ReplySchema<ServerInfo> = {
  safeParse(value: unknown) {
    const v = value as Partial<ServerInfo> | null
    if (
      v !== null &&
      typeof v === 'object' &&
      typeof v.version === 'string' &&
      typeof v.maxSize === 'number' &&
      typeof v.authRequired === 'boolean'
    ) {
      const raw: unknown = (value as { serverTime?: unknown }).serverTime
      const serverTime = raw === undefined ? new Date() : typeof raw === 'string' ? new Date(raw) : undefined
      if (serverTime !== undefined && !Number.isNaN(serverTime.getTime())) {
        return {
          success: true,
          data: { version: v.version, maxSize: v.maxSize, authRequired: v.authRequired, serverTime },
        }
      }
    }
    return { success: false, error: new Error('expected { version, maxSize, authRequired, serverTime? }') }
  },
}

const path = (s: string) => encodeURIComponent(s)

function isoTime(date: Date): string {
  if (!(date instanceof Date) || Number.isNaN(date.getTime())) {
    throw new PandoraError('invalid_input', 'clientTime must be a valid Date or an RFC 3339 time')
  }
  return date.toISOString()
}

function assertReceiver(receiver: string): void {
  if (!isValidMailbox(receiver)) throw new PandoraError('invalid_mailbox')
}

/**
 * The Pandora SDK: send and fetch over HTTP, subscribe over one shared WebSocket that reconnects
 * by itself, and admin helpers. Works in Node ≥ 20 and browsers.
 *
 * @example
 * ```ts
 * const pandora = new PandoraClient({ url: 'http://127.0.0.1:4003', token })
 * await pandora.send('orders@shop', { sku: 'A1', qty: '2' }, { from: 'web@shop' })
 * const sub = pandora.subscribe('orders@shop', async (msg) => {
 *   await ship(msg.fields.get('sku'))   // resolves: acked; throws: redelivered later
 * }, { prefetch: 8, leaseTime: 10_000 })
 * // ...
 * await sub.close()
 * await pandora.close()
 * ```
 */
export class PandoraClient {
  readonly #options: PandoraClientOptions
  readonly #http: HttpApi
  readonly #events = new Emitter<PandoraClientEvents>()
  readonly #subs = new Map<string, Subscription>()
  readonly #httpOps: LeaseOps
  readonly #socketOps: LeaseOps
  #connection: Connection | undefined
  #nextSub = 0

  constructor(options: PandoraClientOptions) {
    if (!options || typeof options.url !== 'string') {
      throw new PandoraError('invalid_input', 'the url option is required')
    }
    this.#options = options
    this.#http = new HttpApi({
      baseUrl: options.url,
      token: options.token,
      fetch: options.fetch,
      requestTimeout: options.requestTimeout ?? 10_000,
      retries: options.retries ?? 2,
    })
    this.#httpOps = {
      ack: async (mid, lid) => {
        await this.#post(`/v1/messages/${path(mid)}/ack`, { lid }, okResponseSchema)
      },
      reject: async (mid, lid, delay) => {
        await this.#post(`/v1/messages/${path(mid)}/reject`, { lid, delay }, okResponseSchema)
      },
      renew: async (mid, lid, leaseTime) => {
        const r = await this.#post(`/v1/messages/${path(mid)}/renew`, { lid, leaseTime }, renewResponseSchema)
        return new Date(r.leasedUntil)
      },
    }
    this.#socketOps = {
      ack: async (mid, lid) => {
        await this.#socket().ack(mid, lid)
      },
      reject: async (mid, lid, delay) => {
        await this.#socket().request(
          delay === undefined ? { type: 'reject', mid, lid } : { type: 'reject', mid, lid, delay },
        )
      },
      renew: async (mid, lid, leaseTime) => {
        const reply = await this.#socket().request({ type: 'renew', mid, lid, leaseTime })
        const until = reply.type === 'ok' ? reply.leasedUntil : undefined
        return until === undefined ? new Date(Date.now() + leaseTime) : new Date(until)
      },
    }
  }

  /** State of the shared WebSocket (`idle` until something needs it). */
  get state(): ConnectionState {
    return this.#connection?.state ?? 'idle'
  }

  /**
   * Listens to client events: `state` ('connecting' | 'open' | 'reconnecting' | 'closed'),
   * `reconnect` and `error`. Returns a function that removes the listener.
   *
   * @example
   * ```ts
   * pandora.on('state', (state) => console.log('pandora', state))
   * ```
   */
  on<K extends keyof PandoraClientEvents>(
    event: K,
    listener: (value: PandoraClientEvents[K]) => void,
  ): () => void {
    return this.#events.on(event, listener)
  }

  /** Removes a listener added with {@link on}. */
  off<K extends keyof PandoraClientEvents>(
    event: K,
    listener: (value: PandoraClientEvents[K]) => void,
  ): void {
    this.#events.off(event, listener)
  }

  /** Opens the WebSocket now rather than on the first subscribe; resolves once it is open. */
  connect(): Promise<void> {
    return this.#socket().whenOpen()
  }

  /**
   * Sends one message. Safe to retry: the SDK stamps `clientTime` once per call, so its own retries
   * of a call are duplicates of the first attempt, never a second message. Pass `clientTime` to
   * make your own resends duplicates too.
   *
   * @example
   * ```ts
   * const { mid, duplicate } = await pandora.send('orders@shop', { sku: 'A1', qty: '2' }, { from: 'web@shop', delay: 5000 })
   * ```
   */
  async send(
    receiver: string,
    fields: Record<string, string | readonly string[]>,
    options: SendOptions = {},
  ): Promise<SendResult> {
    const { clientTime, ...rest } = options
    const body = this.#sendRequest({ receiver, fields, ...rest }, clientTime)
    return this.#http.call({
      method: 'POST',
      path: '/v1/messages',
      body,
      schema: sendResponseSchema,
      signal: options.signal,
      idempotent: true,
    })
  }

  /** Sends up to 256 messages in one request (one transaction on the server); results in order. */
  async sendBatch(
    messages: readonly BatchMessage[],
    options: { signal?: AbortSignal } = {},
  ): Promise<SendResult[]> {
    const body = { messages: messages.map((m) => this.#sendRequest(m)) }
    const reply = await this.#http.call({
      method: 'POST',
      path: '/v1/messages/batch',
      body,
      schema: sendBatchResponseSchema,
      signal: options.signal,
      idempotent: true,
    })
    return reply.results
  }

  /**
   * Leases the oldest due message of `receiver`, or resolves with `null` when there is none
   * (after waiting up to `wait` ms).
   *
   * @example
   * ```ts
   * const msg = await pandora.fetch('orders@shop', { leaseTime: 30_000, wait: 10_000 })
   * if (msg) { await handle(msg); await msg.ack() }
   * ```
   */
  async fetch(receiver: string, options: FetchOptions = {}): Promise<Message | null> {
    const [first] = await this.fetchMany(receiver, { ...options, max: 1 })
    return first ?? null
  }

  /** Leases up to `max` due messages of `receiver`; an empty list when there are none. */
  async fetchMany(receiver: string, options: FetchManyOptions = {}): Promise<Message[]> {
    assertReceiver(receiver)
    const body: Record<string, number> = {}
    if (options.leaseTime !== undefined) body.leaseTime = options.leaseTime
    if (options.max !== undefined) body.max = options.max
    if (options.wait !== undefined) body.wait = options.wait
    const reply = await this.#http.call({
      method: 'POST',
      path: `/v1/mailboxes/${path(receiver)}/fetch`,
      body,
      schema: fetchResponseSchema,
      signal: options.signal,
      extraTime: options.wait ?? 0,
    })
    return reply.messages.map((m) => new Message(m, this.#httpOps))
  }

  /**
   * Runs `handler` for every message pushed to `receiver`, over the client's shared WebSocket. The
   * lease is renewed while the handler runs; when it resolves the message is acked, when it throws
   * the message is rejected with a backoff delay (unless `autoAck: false`). Survives reconnects.
   *
   * @example
   * ```ts
   * const sub = pandora.subscribe('orders@shop', async (msg) => {
   *   await ship(msg.fields.get('sku'))
   * }, { prefetch: 8, leaseTime: 10_000, onError: (e) => log.warn(e) })
   * await sub.close()
   * ```
   */
  subscribe(receiver: string, handler: MessageHandler, options: SubscribeOptions = {}): Subscription {
    assertReceiver(receiver)
    if (typeof handler !== 'function') throw new PandoraError('invalid_input', 'handler must be a function')
    const connection = this.#socket()
    if (connection.state === 'closed') throw new PandoraError('connection_lost', 'client closed')
    const id = `s${++this.#nextSub}`
    const sub = new Subscription(id, receiver, handler, options, {
      ops: this.#socketOps,
      subscribe: (s) => this.#sendSubscribe(s),
      unsubscribe: async (s) => {
        this.#subs.delete(s.id)
        if (connection.state === 'open' && !s.wasRefused) {
          await connection.request({ type: 'unsubscribe', sub: s.id })
        }
      },
      reportError: (error) => this.#events.emit('error', error),
    })
    this.#subs.set(id, sub)
    if (connection.state === 'open') this.#sendSubscribe(sub)
    else connection.start()
    return sub
  }

  /**
   * The messages pushed to `receiver` as an async iterable; ack or reject each one yourself (their
   * leases are renewed until you do). Leaving the loop closes the subscription.
   *
   * @example
   * ```ts
   * for await (const msg of pandora.messages('orders@shop', { prefetch: 4 })) {
   *   await handle(msg)
   *   await msg.ack()
   * }
   * ```
   */
  messages(
    receiver: string,
    options: Omit<SubscribeOptions, 'autoAck' | 'retryDelay'> = {},
  ): AsyncIterable<Message> & { subscription: Subscription } {
    const queue: Message[] = []
    let wake: (() => void) | undefined
    const sub = this.subscribe(
      receiver,
      (msg) => {
        queue.push(msg)
        wake?.()
      },
      { ...options, autoAck: false },
    )
    return {
      subscription: sub,
      async *[Symbol.asyncIterator]() {
        try {
          for (;;) {
            const next = queue.shift()
            if (next) {
              yield next
              continue
            }
            if (sub.closed) return
            await Promise.race([new Promise<void>((resolve) => (wake = resolve)), sub.closing])
            wake = undefined
          }
        } finally {
          await sub.close()
        }
      },
    }
  }

  // ---- admin ---------------------------------------------------------------------------------

  /** Counts of every mailbox. */
  async mailboxes(options: { signal?: AbortSignal } = {}): Promise<MailboxStats[]> {
    const r = await this.#get('/v1/mailboxes', mailboxesResponseSchema, options.signal)
    return r.mailboxes
  }

  /** Counts of one mailbox. */
  stats(receiver: string, options: { signal?: AbortSignal } = {}): Promise<MailboxStats> {
    assertReceiver(receiver)
    return this.#get(`/v1/mailboxes/${path(receiver)}`, mailboxStatsSchema, options.signal)
  }

  /**
   * Headers of a mailbox's messages, oldest received first (newest first with `order: 'desc'`).
   *
   * @example
   * ```ts
   * const latest = await pandora.headers('orders@shop', { order: 'desc', limit: 50 })
   * ```
   */
  async headers(receiver: string, options: HeadersOptions = {}): Promise<MessageHeader[]> {
    assertReceiver(receiver)
    const query = new URLSearchParams()
    if (options.since !== undefined) {
      query.set('since', typeof options.since === 'string' ? options.since : options.since.toISOString())
    }
    if (options.limit !== undefined) query.set('limit', String(options.limit))
    if (options.order !== undefined) query.set('order', options.order)
    const qs = query.size > 0 ? `?${query}` : ''
    const r = await this.#get(
      `/v1/mailboxes/${path(receiver)}/headers${qs}`,
      headersResponseSchema,
      options.signal,
    )
    return r.headers.map(headerFromWire)
  }

  /** One stored message with its body (null once collected); `not_found` when the mid is unknown. */
  async getMessage(mid: string, options: { signal?: AbortSignal } = {}): Promise<StoredMessage> {
    const w = await this.#get(`/v1/messages/${path(mid)}`, storedMessageSchema, options.signal)
    return { ...headerFromWire(w), fields: w.fields === null ? null : new FieldMap(w.fields) }
  }

  /** Headers of a mailbox's dead letters. */
  async dead(
    receiver: string,
    options: { limit?: number; signal?: AbortSignal } = {},
  ): Promise<MessageHeader[]> {
    assertReceiver(receiver)
    const qs = options.limit === undefined ? '' : `?limit=${options.limit}`
    const r = await this.#get(
      `/v1/mailboxes/${path(receiver)}/dead${qs}`,
      headersResponseSchema,
      options.signal,
    )
    return r.headers.map(headerFromWire)
  }

  /** Makes dead letters deliverable again (all of the mailbox's, or only `mids`); resolves with how many. */
  async redrive(
    receiver: string,
    mids?: readonly string[],
    options: { signal?: AbortSignal } = {},
  ): Promise<number> {
    assertReceiver(receiver)
    const body = mids === undefined ? {} : { mids: [...mids] }
    const r = await this.#http.call({
      method: 'POST',
      path: `/v1/mailboxes/${path(receiver)}/redrive`,
      body,
      schema: countResponseSchema,
      signal: options.signal,
    })
    return r.count
  }

  /** Deletes every message of a mailbox; resolves with how many. */
  async purge(receiver: string, options: { signal?: AbortSignal } = {}): Promise<number> {
    assertReceiver(receiver)
    const r = await this.#http.call({
      method: 'DELETE',
      path: `/v1/mailboxes/${path(receiver)}`,
      schema: countResponseSchema,
      signal: options.signal,
    })
    return r.count
  }

  /** The server's version, limits, and its clock (`serverTime`). */
  info(options: { signal?: AbortSignal } = {}): Promise<ServerInfo> {
    return this.#get('/v1/info', infoSchema, options.signal)
  }

  /**
   * Closes every subscription (waiting for running handlers up to `timeout` ms), then the
   * WebSocket. HTTP calls keep working; subscribing again is not possible.
   */
  async close(options: { timeout?: number } = {}): Promise<void> {
    await Promise.all([...this.#subs.values()].map((s) => s.close(options)))
    this.#connection?.close()
  }

  /**
   * The WebSocket class to use when none was given. Browsers and Node ≥ 22 have a global one; the
   * Node entry of this package overrides this to fall back to the `ws` package.
   */
  protected async loadWebSocket(): Promise<WebSocketConstructor> {
    const global = (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket
    if (global) return global
    throw new PandoraError(
      'unavailable',
      'no WebSocket in this runtime: pass the WebSocket option (e.g. from the ws package)',
    )
  }

  #socket(): Connection {
    if (this.#connection) return this.#connection
    const o = this.#options
    const transport =
      o.transport ?? (() => new WebSocketTransport(o.WebSocket ?? (() => this.loadWebSocket())))
    const connection = new Connection({
      url: webSocketUrl(o.url),
      token: o.token,
      transport,
      reconnect: o.reconnect ?? {},
      requestTimeout: o.requestTimeout ?? 10_000,
      heartbeat: o.heartbeat,
      onOpen: () => {
        for (const sub of this.#subs.values()) this.#sendSubscribe(sub)
      },
      onMessage: (subId, message) => {
        const sub = this.#subs.get(subId)
        // A message for a subscription we no longer hold is left alone: its lease runs out.
        if (sub) sub.deliver(message)
      },
      onSubscriptionError: (subId, error) => {
        const sub = this.#subs.get(subId)
        if (sub) sub.failed(error)
        else this.#events.emit('error', error)
      },
    })
    connection.on('state', (state) => this.#events.emit('state', state))
    connection.on('error', (error) => this.#events.emit('error', error))
    connection.on('reconnect', (event) => this.#events.emit('reconnect', event))
    this.#connection = connection
    return connection
  }

  #sendSubscribe(sub: Subscription): void {
    if (sub.closed) return
    const connection = this.#socket()
    connection
      .request({
        type: 'subscribe',
        sub: sub.id,
        receiver: sub.receiver,
        leaseTime: sub.leaseTime,
        prefetch: sub.prefetch,
        // Servers without `messages` frames ignore the option and push one message a frame.
        batch: true,
      })
      .then(
        () => sub.subscribed(),
        (error: unknown) => {
          // A drop is handled by the resubscribe after reconnecting; anything else is the server refusing.
          if (!(error instanceof PandoraError && error.code === 'connection_lost')) sub.refused(error)
        },
      )
  }

  #sendRequest(m: BatchMessage, clientTime: string | Date = new Date()): SendRequest {
    const sender = m.from ?? this.#options.from
    if (sender === undefined) {
      throw new PandoraError('invalid_mailbox', 'no sender: pass { from } or the client option from')
    }
    const request: SendRequest = {
      receiver: m.receiver,
      sender,
      fields: m.fields as SendRequest['fields'],
      clientTime: typeof clientTime === 'string' ? clientTime : isoTime(clientTime),
    }
    if (m.delay !== undefined) request.delay = m.delay
    return request
  }

  #get<T>(p: string, schema: ReplySchema<T>, signal: AbortSignal | undefined): Promise<T> {
    return this.#http.call({ method: 'GET', path: p, schema, signal, idempotent: true })
  }

  #post<T>(p: string, body: unknown, schema: ReplySchema<T>): Promise<T> {
    return this.#http.call({ method: 'POST', path: p, body, schema })
  }
}
