import type { OutgoingRequest, PolicyResponse, SendResult, WireRetryPolicy } from '@pandora/core'
import {
  fanOutResponseMini,
  fetchResponseMini,
  PandoraError,
  sendBatchResponseMini,
  sendResponseMini,
} from '@pandora/core/protocol'
import { AdminApi } from './admin-api.js'
import { assertReceiver, mailboxPath, plainPath } from './api-paths.js'
import type {
  BatchMessageFor,
  ClientFetchOptions,
  FetchManyOptions,
  HeadersOptions,
  MailboxStats,
  PandoraClientEvents,
  PandoraClientOptions,
  SendArgs,
} from './client-options.js'
import { Connection, type ConnectionState } from './connection.js'
import { Emitter } from './emitter.js'
import { HttpApi, type HttpCall, webSocketUrl } from './http-api.js'
import { httpLeaseOps, socketLeaseOps } from './lease-ops.js'
import type { MailboxSubscription, MessageHandler, SubscribeOptions } from './mailbox-subscription.js'
import { MailboxWatch, type WatchChange, type WatchOptions } from './mailbox-watch.js'
import { type LeaseOps, Message, type MessageRecord, type MessageSummary } from './message.js'
import { messageStream } from './message-iterator.js'
import { recipientOutcome } from './problem.js'
import { toFanOutRequest, toSendRequest } from './send-request.js'
import { type ServerInfo, serverInfoSchema } from './server-info.js'
import { SubscriptionRegistry } from './subscription-registry.js'
import { type WebSocketConstructor, WebSocketTransport } from './websocket-transport.js'

/**
 * The Pandora SDK: send and fetch over HTTP, subscribe over one shared WebSocket that reconnects
 * by itself, and admin helpers. Works in Node ≥ 20 and browsers.
 *
 * `Sender` records whether the client has a default sender (the `from` option): with one, `send`
 * needs no options; without one (or when it is not known to be a string) every send must name
 * its `from`, which the types then require.
 *
 * @example
 * ```ts
 * const pandora = new PandoraClient({ url: 'http://127.0.0.1:4003', token })
 * await pandora.send('orders@shop', { sku: 'A1', qty: '2' }, { from: 'web@shop' })
 * const sub = pandora.subscribe('orders@shop', async (msg) => {
 *   await ship(msg.fields.get('sku'))   // resolves: acked; throws: redelivered later
 * }, { concurrency: 8, leaseTime: 10_000 })
 * // ...
 * await sub.close()
 * await pandora.close()
 * ```
 */
export class PandoraClient<Sender extends string | undefined = string | undefined> {
  readonly #options: PandoraClientOptions
  readonly #http: HttpApi
  readonly #admin: AdminApi
  readonly #events = new Emitter<PandoraClientEvents>()
  readonly #subs: SubscriptionRegistry
  readonly #httpOps: LeaseOps
  #connection: Connection | undefined
  #watch: MailboxWatch | undefined

  constructor(options: PandoraClientOptions & { from?: Sender }) {
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
      probePath: plainPath('info'),
    })
    this.#admin = new AdminApi(this.#http)
    this.#httpOps = httpLeaseOps(this.#http)
    this.#subs = new SubscriptionRegistry({
      connection: () => this.#socket(),
      ops: socketLeaseOps(() => this.#socket()),
      reportError: (error) => this.#events.emit('error', error),
    })
  }

  /** State of the shared WebSocket (`idle` until something needs it). */
  get state(): ConnectionState {
    return this.#connection?.state ?? 'idle'
  }

  /**
   * Listens to client events: `state` ('connecting' | 'open' | 'reconnecting' | 'closed' |
   * 'failed'), `reconnect` and `error`. Returns a function that removes the listener. A refused
   * origin, host or token is final: the state goes `failed` and `error` fires once with a
   * {@link PandoraError} whose code says which (`origin_not_allowed`, `host_not_allowed`,
   * `unauthorized`, `forbidden`).
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

  /**
   * Opens the WebSocket now rather than on the first subscribe; resolves once it is open, rejects
   * when the connection fails for good (a refusal, or `maxAttempts` ran out) or the client closes.
   */
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
    ...args: SendArgs<Sender>
  ): Promise<SendResult> {
    const options = args[0] ?? {}
    const { clientTime, ...rest } = options
    const { signal: _, ...message } = rest
    const body = toSendRequest({ receiver, fields, ...message }, this.#options.from, clientTime)
    return this.#post(
      body,
      options.signal,
      sendResponseMini,
      (reply) => reply,
      () => this.#connection?.trySend(body),
    )
  }

  /**
   * POSTs a send to `/v1/messages` — or, connected (subscribing, or after connect()), sends it over
   * the open socket, gathered with this turn's other sends into frames of up to 32. A call with a signal
   * stays on HTTP, which can abort. When the socket drops with the frame in flight, the same body
   * (its clientTime included) goes again over HTTP: if the first was stored, this is its duplicate.
   */
  #post<R, T>(
    body: OutgoingRequest,
    signal: AbortSignal | undefined,
    schema: HttpCall<R>['schema'],
    read: (reply: R) => T,
    overSocket: () => Promise<T> | undefined,
  ): Promise<T> {
    const overHttp = async () =>
      read(
        await this.#http.call({
          method: 'POST',
          path: plainPath('send'),
          body,
          schema,
          signal,
          idempotent: true,
        }),
      )
    return this.#socketOrHttp(signal, overSocket, overHttp)
  }

  /**
   * Rides the open socket when `overSocket` can (and no signal asks for an abortable call), else
   * HTTP; a socket that drops with the request in flight sends it again over HTTP.
   */
  #socketOrHttp<T>(
    signal: AbortSignal | undefined,
    overSocket: () => Promise<T> | undefined,
    overHttp: () => Promise<T>,
  ): Promise<T> {
    const sent = signal ? undefined : overSocket()
    return (
      sent?.catch((error: unknown) => {
        if (error instanceof PandoraError && error.code === 'connection_lost') return overHttp()
        throw error
      }) ?? overHttp()
    )
  }

  /**
   * Sends one message to several mailboxes (up to 64) in one request and one transaction on the
   * server, which stores the body once for all of them. Each recipient gets exactly the message a
   * single {@link send} to it would make (the same mid), so a retry is a duplicate for every one.
   * Resolves with, per receiver in order, its result or the error that recipient alone failed with
   * (e.g. `forbidden` for a mailbox the token may not send to); a request refused whole (an
   * invalid mailbox, more than 64) rejects.
   *
   * @example
   * ```ts
   * const results = await pandora.sendTo(['mail@shop', 'audit@shop'], { invoice: '42' }, { from: 'billing@shop' })
   * for (const r of results) if (r instanceof PandoraError) console.warn(r.code)
   * ```
   */
  async sendTo(
    receivers: readonly string[],
    fields: Record<string, string | readonly string[]>,
    ...args: SendArgs<Sender>
  ): Promise<(SendResult | PandoraError)[]> {
    const options = args[0] ?? {}
    const { clientTime, signal, ...message } = options
    const body = toFanOutRequest(receivers, { fields, ...message }, this.#options.from, clientTime)
    return this.#post(
      body,
      signal,
      fanOutResponseMini,
      (reply) => reply.results.map(recipientOutcome),
      () => this.#connection?.trySend({ ...body, to: [...receivers] }),
    )
  }

  /**
   * Sends up to 256 messages all or none (one transaction on the server); results in order.
   * Connected, the batch rides the open socket (a `sendBatch` frame); otherwise, with a signal, or
   * when the socket drops with it in flight, it is `POST /v1/messages/batch` (the same bodies, so a
   * batch stored before the drop comes back as duplicates).
   */
  async sendBatch(
    messages: readonly BatchMessageFor<Sender>[],
    options: { signal?: AbortSignal } = {},
  ): Promise<SendResult[]> {
    const body = { messages: messages.map((m) => toSendRequest(m, this.#options.from)) }
    const overHttp = async () =>
      (
        await this.#http.call({
          method: 'POST',
          path: plainPath('sendBatch'),
          body,
          schema: sendBatchResponseMini,
          signal: options.signal,
          idempotent: true,
        })
      ).results
    return this.#socketOrHttp(options.signal, () => this.#connection?.trySendBatch(body.messages), overHttp)
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
  async fetch(receiver: string, options: ClientFetchOptions = {}): Promise<Message | null> {
    const [first] = await this.fetchMany(receiver, { ...options, max: 1 })
    return first ?? null
  }

  /** Leases up to `max` due messages of `receiver`; an empty list when there are none. */
  async fetchMany(receiver: string, options: FetchManyOptions = {}): Promise<Message[]> {
    const path = mailboxPath('fetch', receiver)
    const body: Record<string, number> = {}
    if (options.leaseTime !== undefined) body.leaseTime = options.leaseTime
    if (options.max !== undefined) body.max = options.max
    if (options.wait !== undefined) body.wait = options.wait
    const reply = await this.#http.call({
      method: 'POST',
      path,
      body,
      schema: fetchResponseMini,
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
   * }, { concurrency: 8, leaseTime: 10_000, onError: (e) => log.warn(e) })
   * await sub.close()
   * ```
   */
  subscribe(receiver: string, handler: MessageHandler, options: SubscribeOptions = {}): MailboxSubscription {
    assertReceiver(receiver)
    if (typeof handler !== 'function') throw new PandoraError('invalid_input', 'handler must be a function')
    const socket = this.#socket()
    if (socket.failure) throw socket.failure
    if (socket.state === 'closed') throw new PandoraError('connection_lost', 'client closed')
    return this.#subs.add(receiver, handler, options)
  }

  /**
   * The messages pushed to `receiver` as an async iterable; ack or reject each one yourself (their
   * leases are renewed until you do). Up to `prefetch` (default 8) are leased ahead of the loop, in
   * the order they will be yielded. Leaving the loop closes the subscription.
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
    options: Omit<SubscribeOptions, 'autoAck' | 'retryDelay' | 'concurrency'> = {},
  ): AsyncIterable<Message> & { subscription: MailboxSubscription } {
    return messageStream((handler) => this.subscribe(receiver, handler, { ...options, autoAck: false }))
  }

  // ---- admin ---------------------------------------------------------------------------------

  /**
   * Watches the server's admin event stream over the shared WebSocket (an admin token is needed):
   * `handler` gets the counts of every mailbox as the watch starts (`snapshot: true`), then, as
   * things happen, the latest counts of the mailboxes that changed and what happened to which
   * messages (`sent`, `leased`, `acked`, `rejected`, `redriven`, `purged`, with mids) — coalesced
   * by the server into at most one change per ~100 ms. After a reconnect it starts over with a new
   * snapshot. Pass `receiver` to watch one mailbox. One watch per client at a time.
   *
   * `onState` follows it: `live`, `down` while the socket is away (poll meanwhile if you must),
   * `refused` when the server says no (`forbidden` for a token without admin rights) — final.
   *
   * @example
   * ```ts
   * const counts = new Map<string, number>()
   * const watch = pandora.watch(
   *   (change) => {
   *     if (change.snapshot) counts.clear()
   *     for (const m of change.mailboxes) counts.set(m.receiver, m.pending)
   *     for (const e of change.events) console.log(e.kind, e.count, e.receiver)
   *   },
   *   { onState: (state, error) => console.log('watch', state, error?.code ?? '') },
   * )
   * // ...
   * await watch.close()
   * ```
   */
  watch(handler: (change: WatchChange) => void, options: WatchOptions = {}): MailboxWatch {
    if (options.receiver !== undefined) assertReceiver(options.receiver)
    if (typeof handler !== 'function') throw new PandoraError('invalid_input', 'handler must be a function')
    if (this.#watch)
      throw new PandoraError('invalid_input', 'this client watches already: close that watch first')
    const socket = this.#socket()
    if (socket.failure) throw socket.failure
    if (socket.state === 'closed') throw new PandoraError('connection_lost', 'client closed')
    const watch = new MailboxWatch(handler, options, {
      connection: () => this.#socket(),
      release: (w) => {
        if (this.#watch === w) this.#watch = undefined
      },
      watching: () => this.#watch !== undefined,
      reportError: (error) => this.#events.emit('error', error),
    })
    this.#watch = watch
    if (socket.state === 'open') watch.start()
    else socket.start()
    return watch
  }

  /** Counts of every mailbox. */
  mailboxes(options: { signal?: AbortSignal } = {}): Promise<MailboxStats[]> {
    return this.#admin.mailboxes(options)
  }

  /** Counts of one mailbox. */
  stats(receiver: string, options: { signal?: AbortSignal } = {}): Promise<MailboxStats> {
    return this.#admin.stats(receiver, options)
  }

  /**
   * Headers of a mailbox's messages, oldest received first (newest first with `order: 'desc'`).
   *
   * @example
   * ```ts
   * const latest = await pandora.headers('orders@shop', { order: 'desc', limit: 50 })
   * ```
   */
  headers(receiver: string, options: HeadersOptions = {}): Promise<MessageSummary[]> {
    return this.#admin.headers(receiver, options)
  }

  /** One stored message with its body (null once collected); `not_found` when the mid is unknown. */
  getMessage(mid: string, options: { signal?: AbortSignal } = {}): Promise<MessageRecord> {
    return this.#admin.getMessage(mid, options)
  }

  /** Headers of a mailbox's dead letters. */
  dead(receiver: string, options: { limit?: number; signal?: AbortSignal } = {}): Promise<MessageSummary[]> {
    return this.#admin.dead(receiver, options)
  }

  /** Makes dead letters deliverable again (all of the mailbox's, or only `mids`); resolves with how many. */
  redrive(
    receiver: string,
    mids?: readonly string[],
    options: { signal?: AbortSignal } = {},
  ): Promise<number> {
    return this.#admin.redrive(receiver, mids, options)
  }

  /** Deletes every message of a mailbox; resolves with how many. */
  purge(receiver: string, options: { signal?: AbortSignal } = {}): Promise<number> {
    return this.#admin.purge(receiver, options)
  }

  /**
   * The retry policy of a mailbox on the server, and the `maxDeliveries` in force there.
   *
   * @example
   * ```ts
   * const { policy, maxDeliveries } = await pandora.retryPolicy('orders@shop')
   * ```
   */
  retryPolicy(receiver: string, options: { signal?: AbortSignal } = {}): Promise<PolicyResponse> {
    return this.#admin.retryPolicy(receiver, options)
  }

  /**
   * Replaces the retry policy of a mailbox (admin): `maxDeliveries`, and a `fixed` or `exponential`
   * backoff the server applies to rejects without a delay and to expired leases. `{}` removes it.
   *
   * @example
   * ```ts
   * await pandora.setRetryPolicy('orders@shop', {
   *   maxDeliveries: 5,
   *   backoff: { type: 'exponential', base: 1000, max: 60_000, jitter: 0.2 },
   * })
   * ```
   */
  setRetryPolicy(
    receiver: string,
    policy: WireRetryPolicy,
    options: { signal?: AbortSignal } = {},
  ): Promise<PolicyResponse> {
    return this.#admin.setRetryPolicy(receiver, policy, options)
  }

  /** The server's version, limits, and its clock (`serverTime`). */
  info(options: { signal?: AbortSignal } = {}): Promise<ServerInfo> {
    return this.#http.call({
      method: 'GET',
      path: plainPath('info'),
      schema: serverInfoSchema,
      signal: options.signal,
      idempotent: true,
    })
  }

  /**
   * Closes every subscription (waiting for running handlers up to `timeout` ms), then the
   * WebSocket. HTTP calls keep working; subscribing again is not possible.
   */
  async close(options: { timeout?: number } = {}): Promise<void> {
    await this.#subs.closeAll(options)
    await this.#watch?.close()
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
      diagnose: () => this.#http.diagnose(),
      onOpen: () => {
        this.#subs.resubscribeAll()
        this.#watch?.start()
      },
      onMessage: (subId, message) => this.#subs.deliver(subId, message),
      onSubscriptionError: (subId, error) => this.#subs.failed(subId, error),
      onLost: (subId, leases, reason) => this.#subs.revoked(subId, leases, reason),
      onChanges: (mailboxes, events) => this.#watch?.changes(mailboxes, events),
      ackWindow: () => this.#subs.window(),
    })
    connection.on('state', (state) => {
      // The error event has told the client once; each subscription hears it on its own too.
      if (state === 'failed' && connection.failure) this.#subs.failAll(connection.failure)
      if (state === 'reconnecting' || state === 'failed')
        this.#watch?.dropped(
          connection.failure ?? new PandoraError('connection_lost', 'the WebSocket dropped'),
          state === 'failed',
        )
      this.#events.emit('state', state)
    })
    connection.on('error', (error) => this.#events.emit('error', error))
    connection.on('reconnect', (event) => this.#events.emit('reconnect', event))
    this.#connection = connection
    return connection
  }
}
