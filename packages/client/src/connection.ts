import type {
  OutgoingRequest,
  SendRequest,
  SendResult,
  WatchEvent,
  WireLeasedMessage,
  WireMailboxStats,
} from '@pandora/core'
import { PandoraError, serverFrameMini, WS_MAX_ACKS, WS_MAX_SENDS, WS_PROTOCOL } from '@pandora/core/protocol'
import { AckBatcher, ackFlushAt } from './ack-batcher.js'
import { Emitter } from './emitter.js'
import { handshake, toPandoraError, type Welcome } from './handshake.js'
import { Heartbeat } from './heartbeat.js'
import { PendingReplies, type Reply, type RequestFrame } from './pending-replies.js'
import { frameToError, recipientOutcome } from './problem.js'
import { type ReconnectEvent, type ReconnectOptions, ReconnectPolicy } from './reconnect-policy.js'
import { isRefusal } from './refusal.js'
import type { Transport, TransportCloseInfo, TransportFactory } from './transport.js'
import { TurnBatcher } from './turn-batcher.js'

/** Largest `send` frame the SDK builds, in characters of JSON (the server takes up to 1 MiB). */
const SEND_FRAME_BUDGET = 256 * 1024

/**
 * About how many characters a send request takes in a frame: its strings plus a little per field.
 * Cheaper than encoding it twice (once to size, once to send); escapes make the real JSON longer,
 * which the budget's distance from the server's limit covers.
 */
function approxSize(m: OutgoingRequest): number {
  const to =
    m.to === undefined
      ? 0
      : typeof m.to === 'string'
        ? m.to.length
        : m.to.reduce((n, r) => n + r.length + 3, 0)
  let n = 64 + m.sender.length + (m.receiver?.length ?? 0) + to + (m.clientTime?.length ?? 0)
  for (const [name, value] of Object.entries(m.fields)) {
    n += name.length + 8
    if (typeof value === 'string') n += value.length + 3
    else for (const v of value) n += v.length + 3
  }
  return n
}

/**
 * The state of the client's WebSocket: `connecting` (first attempt), `open` (handshake done,
 * subscriptions live), `reconnecting` (dropped, waiting to try again), `closed` (closed by the
 * client), `failed` (for good, not by the client: the server refused it — origin, host or token —
 * or `maxAttempts` ran out; the `error` event said why). `idle` before anything needed a socket;
 * it is never emitted. `closed` and `failed` are final.
 */
/** What one message of a `send` frame came back as: its result, or one per recipient of a fan-out. */
type SentOutcome = SendResult | (SendResult | PandoraError)[]

export type ConnectionState = 'idle' | 'connecting' | 'open' | 'reconnecting' | 'closed' | 'failed'

/** Events of a {@link Connection}. */
export interface ConnectionEvents extends Record<string, unknown> {
  state: ConnectionState
  error: PandoraError
  reconnect: ReconnectEvent
}

/** Settings of a {@link Connection}. */
export interface ConnectionOptions {
  url: string
  token?: string | undefined
  transport: TransportFactory
  reconnect: ReconnectOptions
  requestTimeout: number
  /** Ping interval in ms; `undefined` follows the server's welcome, `false` turns pings off. */
  heartbeat?: number | false | undefined
  /**
   * Asks the server over HTTP why the socket could not open, since browsers hide the status of a
   * refused upgrade; resolves with a refusal that retrying cannot fix, else `undefined`.
   */
  diagnose?: (() => Promise<PandoraError | undefined>) | undefined
  /** Source of jitter, in [0, 1). */
  random?: () => number
  /** Called each time the socket is open and authenticated (first time and after every reconnect). */
  onOpen(): void
  /** A pushed message. */
  onMessage(sub: string, message: WireLeasedMessage): void
  /** An error the server reported for a subscription, outside any request. */
  onSubscriptionError(sub: string, error: PandoraError): void
  /** The server took leases of a subscription away. */
  onLost(sub: string, leases: readonly { mid: string; lid: string }[], reason: string): void
  /** A `changes` frame of the admin event stream. */
  onChanges?(mailboxes: WireMailboxStats[], events: WatchEvent[]): void
  /**
   * How many pushed messages may be in hand at once: the live subscriptions' prefetch added up.
   * Asked at each ack, to send acks at half of it (see {@link ackFlushAt}). Default 0.
   */
  ackWindow?(): number
}

/**
 * How many sends a burst gathers before they leave without waiting for its end; the rest of the
 * burst follows at the end of the turn. A producer with 64 sends in flight gets its 64 replies in
 * one burst and makes its next 64 sends in one turn: sent as one frame, the server then waited for
 * the whole turn and the producer for the whole commit, each idle half the time (pandorad ~15 %
 * idle). Sending each 32 at once lets the server store them while the rest are made: +30–40 %
 * sends a second with 64 in flight through pandorad on SQLite (three interleaved pairs, 2026-11-28;
 * 16 no better, 8 worse), its CPU per send no higher. Under `full` the two halves may take two
 * fsyncs (~32 sends an fsync instead of ~63).
 */
export const SEND_FLUSH_AT = 32

/**
 * One WebSocket shared by everything a client does over push. It owns the socket's life — connect,
 * open, drop, retry, close — and routes frames; the pieces it composes each do one job: the
 * {@link handshake}, {@link PendingReplies} (request/reply by `ref`), the {@link AckBatcher}, the
 * {@link Heartbeat} and the {@link ReconnectPolicy}.
 */
export class Connection extends Emitter<ConnectionEvents> {
  readonly #options: ConnectionOptions
  readonly #replies: PendingReplies
  readonly #reconnect: ReconnectPolicy
  readonly #acks: AckBatcher
  readonly #sends: TurnBatcher<OutgoingRequest, SentOutcome>
  #state: ConnectionState = 'idle'
  #transport: Transport | undefined
  #retryTimer: ReturnType<typeof setTimeout> | undefined
  #heartbeat: Heartbeat | undefined
  #welcome: { resolve: (w: Welcome) => void; reject: (e: unknown) => void } | undefined
  #failure: PandoraError | undefined
  /** Optional frames the server announced in its welcome. */
  #features = new Set<string>()

  constructor(options: ConnectionOptions) {
    super()
    this.#options = options
    this.#replies = new PendingReplies(options.requestTimeout)
    this.#reconnect = new ReconnectPolicy(options.reconnect, options.random)
    this.#acks = new AckBatcher({
      request: (frame) => this.request(frame),
      maxBatch: WS_MAX_ACKS,
      flushAt: () => ackFlushAt(options.ackWindow?.() ?? 0),
    })
    this.#sends = new TurnBatcher<OutgoingRequest, SentOutcome>({
      maxBatch: WS_MAX_SENDS,
      // Well under the server's frame limit, whatever the bodies.
      maxSize: SEND_FRAME_BUDGET,
      size: approxSize,
      flushAt: SEND_FLUSH_AT,
      flush: async (messages) => {
        const reply = await this.request({ type: 'send', messages })
        if (reply.type !== 'sent')
          throw new PandoraError('internal', `expected a sent frame, got ${reply.type}`)
        return reply.results.map((r) =>
          'error' in r
            ? { ok: false as const, error: frameToError(r.error.code, r.error.message) }
            : 'results' in r
              ? { ok: true as const, value: r.results.map(recipientOutcome) }
              : { ok: true as const, value: { mid: r.mid, duplicate: r.duplicate } },
        )
      },
    })
  }

  /**
   * Sends a message over the open socket when the server takes `send` frames, gathered with the
   * other sends of this turn into frames ({@link SEND_FLUSH_AT}); `undefined` when the socket is not open or the server
   * predates the frame (the caller uses HTTP then).
   */
  trySend(message: OutgoingRequest & { receiver: string }): Promise<SendResult> | undefined
  /** A fan-out (`to`): resolves with a result or an error per recipient. */
  trySend(
    message: OutgoingRequest & { to: readonly string[] },
  ): Promise<(SendResult | PandoraError)[]> | undefined
  trySend(message: OutgoingRequest): Promise<unknown> | undefined {
    if (this.#state !== 'open' || !this.#features.has('send')) return undefined
    return this.#sends.add(message)
  }

  /**
   * Sends a batch all or none over the open socket (a `sendBatch` frame, one transaction on the
   * server); `undefined` when the socket is not open, the server predates the frame, or the batch
   * is larger than one frame should be (the caller uses HTTP then). A refusal rejects with its code.
   */
  trySendBatch(messages: readonly SendRequest[]): Promise<SendResult[]> | undefined {
    if (this.#state !== 'open' || !this.#features.has('send-batch')) return undefined
    if (messages.reduce((n, m) => n + approxSize(m), 0) > SEND_FRAME_BUDGET) return undefined
    return this.request({ type: 'sendBatch', messages: [...messages] }).then((reply) => {
      if (reply.type !== 'sent')
        throw new PandoraError('internal', `expected a sent frame, got ${reply.type}`)
      return reply.results.map((r) => {
        if (!('duplicate' in r)) throw new PandoraError('internal', 'a sendBatch result without a mid')
        return { mid: r.mid, duplicate: r.duplicate }
      })
    })
  }

  get state(): ConnectionState {
    return this.#state
  }

  /** Why the connection is `failed`; undefined in any other state. */
  get failure(): PandoraError | undefined {
    return this.#failure
  }

  /** Starts connecting if nothing did yet. */
  start(): void {
    if (this.#state === 'idle') {
      this.#setState('connecting')
      void this.#attempt()
    }
  }

  /** Resolves once the connection is open (starting it if needed); rejects if it closes for good first. */
  whenOpen(): Promise<void> {
    if (this.#state === 'open') return Promise.resolve()
    if (this.#state === 'closed') return Promise.reject(new PandoraError('connection_lost', 'client closed'))
    if (this.#failure) return Promise.reject(this.#failure)
    this.start()
    return new Promise((resolve, reject) => {
      const off = this.on('state', (state) => {
        if (state === 'open') {
          off()
          resolve()
        } else if (state === 'closed') {
          off()
          reject(new PandoraError('connection_lost', 'client closed'))
        } else if (state === 'failed') {
          off()
          reject(this.#failure)
        }
      })
    })
  }

  /** Sends a frame and resolves with the server's reply to it; a server `error` rejects. */
  request(frame: RequestFrame): Promise<Reply> {
    if (this.#failure) return Promise.reject(this.#failure)
    if (this.#state !== 'open' || !this.#transport) {
      return Promise.reject(new PandoraError('connection_lost', 'the WebSocket is not open'))
    }
    return this.#replies.send(this.#transport, frame)
  }

  /**
   * Confirms a lease. Acks made in the same turn of the event loop leave in one `acks` frame when
   * the server supports it (one frame and one reply for a burst of handlers); otherwise one `ack`.
   */
  ack(mid: string, lid: string): Promise<void> {
    if (!this.#features.has('acks')) return this.request({ type: 'ack', mid, lid }).then(() => {})
    return this.#acks.add(mid, lid)
  }

  /** Closes the socket for good: pending requests fail, no reconnection. */
  close(): void {
    if (this.#state === 'closed' || this.#state === 'failed') return
    const transport = this.#transport
    this.#teardown(new PandoraError('connection_lost', 'client closed'))
    transport?.close(1000, 'client closed')
    this.#setState('closed')
  }

  async #attempt(): Promise<void> {
    const transport = this.#options.transport()
    this.#transport = transport
    const welcome = new Promise<Welcome>((resolve, reject) => {
      this.#welcome = { resolve, reject }
    })
    // Awaited only once the transport is up; a drop before that must not surface as unhandled.
    welcome.catch(() => {})
    let connected = false
    try {
      await transport.connect(this.#options.url, WS_PROTOCOL, {
        onFrame: (data) => {
          if (this.#transport === transport) this.#onFrame(data)
        },
        onClose: (info) => {
          if (this.#transport === transport) this.#onDrop(info)
        },
      })
      connected = true
      const hello = await handshake({
        welcome,
        token: this.#options.token,
        timeout: this.#options.requestTimeout,
        authenticate: (token) => this.#replies.send(transport, { type: 'auth', token }),
      })
      this.#features = new Set(hello.features ?? [])
      if (this.#transport !== transport) return
      this.#reconnect.reset()
      this.#startHeartbeat(transport, hello.heartbeat)
      this.#setState('open')
      this.#options.onOpen()
    } catch (error) {
      if (this.#transport !== transport) return
      let err = toPandoraError(error)
      transport.close(4000, 'handshake failed')
      // Asked on the first failure in a row, then ever more rarely (the 2nd, 4th, 8th…): a server
      // that stays down is not sent an HTTP probe with every reconnect attempt, and one that comes
      // back refusing this client is still found out.
      const failures = this.#reconnect.failures
      const ask = (failures & (failures - 1)) === 0
      if (!connected && ask && this.#options.diagnose) {
        // The upgrade failed: a refused origin or host looks like an unreachable server from here.
        const refusal = await this.#options.diagnose().catch(() => undefined)
        if (this.#transport !== transport) return
        if (refusal) err = refusal
      }
      // The same origin, host or token will be refused again: retrying would only hammer the server.
      if (isRefusal(err)) this.#fail(err)
      else this.#scheduleRetry(err)
    }
  }

  /** Stops for good because of `error`: no more attempts, everything waiting is told, one `error` event. */
  #fail(error: PandoraError): void {
    this.#teardown(error)
    this.#failure = error
    this.#setState('failed')
    this.emit('error', error)
  }

  #onFrame(data: string): void {
    this.#heartbeat?.alive()
    let json: unknown
    try {
      json = JSON.parse(data)
    } catch {
      this.emit('error', new PandoraError('internal', 'the server sent a frame that is not JSON'))
      return
    }
    const parsed = serverFrameMini.safeParse(json)
    if (!parsed.success) {
      this.emit('error', new PandoraError('internal', 'the server sent an unknown frame'))
      return
    }
    const frame = parsed.data
    switch (frame.type) {
      case 'welcome':
        this.#welcome?.resolve(frame)
        this.#welcome = undefined
        return
      case 'message':
        this.#options.onMessage(frame.sub, frame.message)
        return
      case 'messages':
        for (const message of frame.messages) this.#options.onMessage(frame.sub, message)
        return
      case 'lost':
        this.#options.onLost(frame.sub, frame.leases, frame.reason)
        return
      case 'changes':
        this.#options.onChanges?.(frame.mailboxes, frame.events)
        return
      default:
        break
    }
    if (this.#replies.settle(frame)) return
    if (frame.type === 'error') {
      const error = frameToError(frame.code, frame.message)
      if (frame.sub !== undefined) this.#options.onSubscriptionError(frame.sub, error)
      else {
        this.#welcome?.reject(error)
        this.emit('error', error)
      }
    }
  }

  #onDrop(info: TransportCloseInfo): void {
    const error = new PandoraError(
      'connection_lost',
      `WebSocket closed (${info.code}${info.reason ? ` ${info.reason}` : ''})`,
      info.error === undefined ? undefined : { cause: info.error },
    )
    if (this.#state === 'open') {
      this.#teardown(error)
      this.#scheduleRetry(error)
    } else {
      // Still in the handshake: let #attempt fail and schedule the retry.
      this.#welcome?.reject(error)
      this.#replies.rejectAll(error)
    }
  }

  #scheduleRetry(error: PandoraError): void {
    this.#transport = undefined
    const next = this.#reconnect.next()
    if (next === undefined) {
      this.#fail(new PandoraError('connection_lost', 'gave up reconnecting', { cause: error }))
      return
    }
    this.#setState('reconnecting')
    this.emit('reconnect', next)
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined
      void this.#attempt()
    }, next.delay)
  }

  #startHeartbeat(transport: Transport, serverInterval: number): void {
    const option = this.#options.heartbeat
    if (option === false) return
    const interval = option ?? serverInterval
    if (!(interval > 0)) return
    this.#heartbeat = new Heartbeat({
      interval,
      ping: () => this.#replies.send(transport, { type: 'ping' }),
      onSilence: () => {
        // A dead peer may never complete a closing handshake: treat the socket as gone right away.
        transport.close(4001, 'heartbeat timeout')
        this.#onDrop({ code: 4001, reason: 'heartbeat timeout' })
      },
    })
  }

  #teardown(error: PandoraError): void {
    this.#transport = undefined
    this.#heartbeat?.stop()
    this.#heartbeat = undefined
    if (this.#retryTimer !== undefined) clearTimeout(this.#retryTimer)
    this.#retryTimer = undefined
    this.#welcome?.reject(error)
    this.#welcome = undefined
    this.#replies.rejectAll(error)
  }

  #setState(state: ConnectionState): void {
    if (this.#state === state) return
    this.#state = state
    this.emit('state', state)
  }
}
