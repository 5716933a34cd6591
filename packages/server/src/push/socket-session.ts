import {
  type LeasedMessage,
  leasedToWire,
  type MailboxStats,
  type ServerFrame,
  type Store,
  WS_CLOSE,
  WS_FEATURES,
  WS_PROTOCOL,
} from '@pandora/core'
import type { WebSocket } from 'ws'
import type { Principal, TokenAuth } from '../auth.js'
import type { Metrics } from '../metrics.js'
import { AuthGate } from './auth-gate.js'
import { BackPressure } from './back-pressure.js'
import { decodeFrame } from './frame-decoder.js'
import { type FrameContext, handleFrame } from './frame-handlers.js'
import { LeaseBook } from './lease-book.js'
import type { PushHub } from './push-hub.js'
import type { PushSubscriptionOwner } from './push-subscription.js'
import { ReaderProbe } from './reader-probe.js'
import { SocketWatch } from './socket-watch.js'
import { SocketWriter } from './socket-writer.js'
import type { WatchHub } from './watch-hub.js'

/** Settings shared by every socket of a server. */
export interface SessionSettings {
  store: Store
  hub: PushHub
  /** The admin event stream's source. */
  watches: WatchHub
  auth: TokenAuth
  metrics: Metrics
  maxSize: number
  maxSubscriptions: number
  heartbeatMs: number
  /** Pause pushing while the socket buffers more than this many bytes. */
  bufferLimit: number
  /** Cut a socket whose buffer stays over `bufferLimit` this long (a slow consumer), ms. */
  slowSocketGraceMs: number
  /** How long an unauthenticated socket may wait before sending its `auth` frame. */
  authTimeoutMs: number
  onError(error: unknown): void
}

/**
 * One WebSocket connection: its authentication, its subscriptions and the leases pushed to them.
 * Closing it gives every unacknowledged lease back at once. It only wires its parts together and
 * owns the socket's lifecycle (heartbeat, close): reading frames is {@link decodeFrame}'s job,
 * answering them the frame handlers', writing them {@link SocketWriter}'s, the send buffer
 * {@link BackPressure}'s, the leases {@link LeaseBook}'s and the auth deadline {@link AuthGate}'s.
 */
export class SocketSession implements PushSubscriptionOwner {
  readonly #ws: WebSocket
  readonly #s: SessionSettings
  readonly #leases = new LeaseBook()
  readonly #writer: SocketWriter
  readonly #gate: AuthGate
  readonly #pressure: BackPressure
  readonly #probe: ReaderProbe
  readonly #ctx: FrameContext
  #watch: SocketWatch | undefined
  #alive = true
  #closed = false

  constructor(ws: WebSocket, principal: Principal | null, settings: SessionSettings) {
    this.#ws = ws
    this.#s = settings
    this.#writer = new SocketWriter(ws)
    this.#gate = new AuthGate(principal, settings.auth, settings.authTimeoutMs, () =>
      this.#refuse('no auth frame in time'),
    )
    this.#pressure = new BackPressure(
      () => ws.bufferedAmount,
      { limit: settings.bufferLimit, graceMs: settings.slowSocketGraceMs },
      {
        // Drained: let the hub push again.
        onDrain: () => {
          for (const sub of this.#leases.subscriptions()) this.#s.hub.kick(sub.receiver)
          this.#watch?.flush()
        },
        // A peer that takes no data holds its leases hostage: give them back now, not at the
        // next missed heartbeat. The close frame waits behind the buffered data; ws destroys the
        // socket if the peer never reads it.
        onStuck: () => void this.close(WS_CLOSE.slowConsumer, 'slow consumer: send buffer over its limit'),
      },
    )
    this.#probe = new ReaderProbe(
      () => ws.ping(),
      { graceMs: settings.slowSocketGraceMs },
      () => void this.close(WS_CLOSE.slowConsumer, 'slow consumer: no answer to a ping while holding leases'),
    )
    this.#ctx = {
      store: settings.store,
      hub: settings.hub,
      metrics: settings.metrics,
      leases: this.#leases,
      owner: this,
      maxSubscriptions: settings.maxSubscriptions,
      watch: {
        start: (receiver, announce) => this.#startWatch(receiver, announce),
        stop: () => this.#stopWatch(),
      },
      gate: this.#gate,
      send: (frame) => this.#send(frame),
      refuse: (message) => this.#refuse(message),
      onError: (error) => settings.onError(error),
    }
    ws.on('message', (data, isBinary) => {
      this.#probe.answered()
      const decoded = decodeFrame(data as Buffer, isBinary)
      if (decoded.ok) void handleFrame(this.#ctx, decoded.frame)
      else this.#send(decoded.reply)
    })
    ws.on('pong', () => {
      this.#alive = true
      this.#probe.answered()
    })
    ws.on('close', () => void this.close())
    ws.on('error', () => void this.close())
    this.#send({
      type: 'welcome',
      protocol: WS_PROTOCOL,
      authRequired: principal === null,
      maxSize: settings.maxSize,
      heartbeat: settings.heartbeatMs,
      features: [...WS_FEATURES],
    })
  }

  now(): number {
    return this.#s.store.clock.now()
  }

  get open(): boolean {
    return !this.#closed && this.#ws.readyState === this.#ws.OPEN
  }

  get congested(): boolean {
    return this.#pressure.check()
  }

  /** Number of subscriptions, for metrics. */
  get subscriptions(): number {
    return this.#leases.size
  }

  push(sub: string, messages: LeasedMessage[], batch: boolean): void {
    this.#leases.pushed(sub, messages)
    this.#s.metrics.delivered(messages)
    this.#s.metrics.pushed.inc(messages.length)
    if (batch) {
      if (messages.length > 0) this.#send({ type: 'messages', sub, messages: messages.map(leasedToWire) })
    } else {
      for (const message of messages) this.#send({ type: 'message', sub, message: leasedToWire(message) })
    }
    // Start watching the buffer now: a peer that never reads may never ask for more. And ask the
    // peer whether it reads at all: the kernel may take everything without the buffer filling.
    this.#pressure.check()
    this.#probe.pushed()
  }

  revoked(sub: string, reason: string): void {
    const leases = this.#leases.revoke(sub)
    if (leases.length > 0 && this.#leases.get(sub)?.lost && this.open)
      this.#send({ type: 'lost', sub, leases, reason })
  }

  /** Heartbeat tick: a peer that did not answer the last ping is dropped. */
  heartbeat(): void {
    if (!this.#alive) {
      this.#ws.terminate()
      void this.close()
      return
    }
    this.#alive = false
    this.#ws.ping()
  }

  /** Detaches every subscription and gives its leases back; closes the socket. */
  async close(code = 1001, reason = 'closing'): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    this.#gate.stop()
    this.#pressure.stop()
    this.#probe.stop()
    this.#stopWatch()
    const { subscriptions, leases } = this.#leases.clear()
    for (const sub of subscriptions) this.#s.hub.detach(sub)
    if (this.#ws.readyState === this.#ws.OPEN || this.#ws.readyState === this.#ws.CONNECTING)
      this.#ws.close(code, reason)
    await this.#s.hub.giveBack(leases)
  }

  async #startWatch(
    receiver: string | undefined,
    announce: (mailboxes: MailboxStats[]) => void,
  ): Promise<void> {
    this.#stopWatch()
    if (this.#closed) return
    const congested = () => this.congested
    const watch = new SocketWatch(receiver, {
      get congested() {
        return congested()
      },
      send: (update) => {
        this.#send({ type: 'changes', ...update })
        // A slow admin socket falls under the same rules as a slow consumer: cut after the grace.
        this.#pressure.check()
      },
    })
    this.#watch = watch
    let snapshot: MailboxStats[]
    try {
      snapshot = await this.#s.watches.watch(watch)
    } catch (error) {
      if (this.#watch === watch) this.#stopWatch()
      throw error
    }
    // Replaced by a later watch, or the socket closed, while counting.
    if (this.#watch !== watch) return
    announce(snapshot)
    watch.release()
  }

  #stopWatch(): void {
    if (!this.#watch) return
    this.#s.watches.unwatch(this.#watch)
    this.#watch = undefined
  }

  #send(frame: ServerFrame): void {
    this.#writer.send(frame)
  }

  /** Answers `unauthorized` and closes: the client must not retry without a new token. */
  #refuse(message: string): void {
    this.#send({ type: 'error', code: 'unauthorized', message })
    void this.close(WS_CLOSE.unauthorized, message)
  }
}
