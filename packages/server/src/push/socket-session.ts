import {
  type ClientFrame,
  clientFrameSchema,
  LEASE_DEFAULT_MS,
  type LeasedMessage,
  leasedToWire,
  PandoraError,
  type ServerFrame,
  Status,
  type Store,
  toPandoraError,
  WS_CLOSE,
  WS_FEATURES,
  WS_PROTOCOL,
} from '@pandora/core'
import type { WebSocket } from 'ws'
import type { Principal, TokenAuth } from '../auth.js'
import type { Metrics } from '../metrics.js'
import { BackPressure } from './back-pressure.js'
import type { PushHub } from './push-hub.js'
import { Subscription, type SubscriptionOwner } from './subscription.js'

/** Settings shared by every socket of a server. */
export interface SessionSettings {
  store: Store
  hub: PushHub
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
 * Closing it gives every unacknowledged lease back at once.
 */
export class SocketSession implements SubscriptionOwner {
  readonly #ws: WebSocket
  readonly #s: SessionSettings
  readonly #subs = new Map<string, Subscription>()
  /** mid → the subscription holding its lease. */
  readonly #holders = new Map<string, Subscription>()
  #principal: Principal | null
  #alive = true
  #corked = false
  #closed = false
  #authTimer: ReturnType<typeof setTimeout> | undefined
  readonly #pressure: BackPressure

  constructor(ws: WebSocket, principal: Principal | null, settings: SessionSettings) {
    this.#ws = ws
    this.#s = settings
    this.#principal = principal
    this.#pressure = new BackPressure(
      () => ws.bufferedAmount,
      { limit: settings.bufferLimit, graceMs: settings.slowSocketGraceMs },
      {
        // Drained: let the hub push again.
        onDrain: () => {
          for (const sub of this.#subs.values()) this.#s.hub.kick(sub.receiver)
        },
        // A peer that takes no data holds its leases hostage: give them back now, not at the
        // next missed heartbeat. The close frame waits behind the buffered data; ws destroys the
        // socket if the peer never reads it.
        onStuck: () => void this.close(WS_CLOSE.slowConsumer, 'slow consumer: send buffer over its limit'),
      },
    )
    ws.on('message', (data, isBinary) => this.#onMessage(data as Buffer, isBinary))
    ws.on('pong', () => {
      this.#alive = true
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
    if (principal === null) {
      this.#authTimer = setTimeout(
        () => this.#fail(WS_CLOSE.unauthorized, 'unauthorized', 'no auth frame in time'),
        settings.authTimeoutMs,
      )
    }
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
    return this.#subs.size
  }

  push(sub: string, messages: LeasedMessage[], batch: boolean): void {
    const holder = this.#subs.get(sub)!
    for (const message of messages) this.#holders.set(message.mid, holder)
    this.#s.metrics.delivered(messages)
    this.#s.metrics.pushed.inc(messages.length)
    if (batch) {
      if (messages.length > 0) this.#send({ type: 'messages', sub, messages: messages.map(leasedToWire) })
    } else {
      for (const message of messages) this.#send({ type: 'message', sub, message: leasedToWire(message) })
    }
    // Start watching the buffer now: a peer that never reads may never ask for more.
    this.#pressure.check()
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
    clearTimeout(this.#authTimer)
    this.#pressure.stop()
    const leases: { mid: string; lid: string }[] = []
    for (const sub of this.#subs.values()) {
      this.#s.hub.detach(sub)
      leases.push(...sub.drain())
    }
    this.#subs.clear()
    this.#holders.clear()
    if (this.#ws.readyState === this.#ws.OPEN || this.#ws.readyState === this.#ws.CONNECTING)
      this.#ws.close(code, reason)
    await this.#s.hub.giveBack(leases)
  }

  #send(frame: ServerFrame): void {
    if (this.#ws.readyState !== this.#ws.OPEN) return
    this.#cork()
    this.#ws.send(JSON.stringify(frame))
  }

  /**
   * Frames sent in one tick (a burst of pushes, the replies to a burst of acks) leave in one write:
   * under load one syscall per frame cost more than the frames. `_socket` is ws's underlying
   * net.Socket; cork/uncork on the next tick is Node's own idiom for coalescing writes.
   */
  #cork(): void {
    if (this.#corked) return
    const socket = (this.#ws as unknown as { _socket?: { cork(): void; uncork(): void } })._socket
    if (!socket) return
    this.#corked = true
    socket.cork()
    process.nextTick(() => {
      this.#corked = false
      socket.uncork()
    })
  }

  #fail(code: number, errorCode: 'unauthorized', message: string): void {
    this.#send({ type: 'error', code: errorCode, message })
    void this.close(code, message)
  }

  #onMessage(data: Buffer, isBinary: boolean): void {
    let frame: ClientFrame
    let ref: string | undefined
    try {
      if (isBinary) throw new PandoraError('invalid_input', 'frames are JSON text')
      const raw: unknown = JSON.parse(data.toString('utf8'))
      ref = typeof (raw as { ref?: unknown })?.ref === 'string' ? (raw as { ref: string }).ref : undefined
      const parsed = clientFrameSchema.safeParse(raw)
      if (!parsed.success) {
        const issue = parsed.error.issues[0]
        const code = issue?.message === 'invalid mailbox' ? 'invalid_mailbox' : 'invalid_input'
        throw new PandoraError(
          code,
          `${issue?.path.join('.') || 'frame'}: ${issue?.message ?? 'invalid frame'}`,
        )
      }
      frame = parsed.data
    } catch (error) {
      const e =
        error instanceof SyntaxError
          ? new PandoraError('invalid_input', 'frame is not valid JSON')
          : toPandoraError(error)
      this.#send({ type: 'error', ...(ref ? { ref } : {}), code: e.code, message: e.message })
      return
    }
    this.#handle(frame).catch((error: unknown) => {
      const e = toPandoraError(error)
      if (e.code === 'internal') this.#s.onError(error)
      const sub = frame.type === 'subscribe' ? { sub: frame.sub } : {}
      this.#send({
        type: 'error',
        ...(frame.ref ? { ref: frame.ref } : {}),
        ...sub,
        code: e.code,
        message: e.message,
      })
    })
  }

  async #handle(frame: ClientFrame): Promise<void> {
    const ref = frame.ref ? { ref: frame.ref } : {}
    if (frame.type === 'auth') {
      const principal = this.#principal ?? this.#s.auth.authenticate(frame.token)
      if (!principal) return this.#fail(WS_CLOSE.unauthorized, 'unauthorized', 'invalid token')
      this.#principal = principal
      clearTimeout(this.#authTimer)
      return this.#send({ type: 'authenticated', ...ref })
    }
    if (frame.type === 'ping') return this.#send({ type: 'pong', ...ref })
    const principal = this.#principal
    if (!principal) return this.#fail(WS_CLOSE.unauthorized, 'unauthorized', 'authenticate first')
    switch (frame.type) {
      case 'subscribe': {
        if (!principal.canReceive(frame.receiver))
          throw new PandoraError('forbidden', `this token may not receive from ${frame.receiver}`)
        if (this.#subs.has(frame.sub))
          throw new PandoraError('invalid_input', `subscription ${frame.sub} exists already`)
        if (this.#subs.size >= this.#s.maxSubscriptions) throw new PandoraError('too_many_subscriptions')
        const sub = new Subscription(
          frame.sub,
          frame.receiver,
          frame.leaseTime ?? LEASE_DEFAULT_MS,
          frame.prefetch ?? 1,
          this,
          frame.batch === true,
        )
        this.#subs.set(frame.sub, sub)
        this.#send({ type: 'subscribed', sub: frame.sub, ...ref })
        this.#s.hub.attach(sub)
        return
      }
      case 'unsubscribe': {
        const sub = this.#subs.get(frame.sub)
        if (sub) {
          this.#subs.delete(frame.sub)
          this.#s.hub.detach(sub)
          const leases = sub.drain()
          for (const l of leases) this.#holders.delete(l.mid)
          await this.#s.hub.giveBack(leases)
        }
        return this.#send({ type: 'unsubscribed', sub: frame.sub, ...ref })
      }
      case 'ack':
      case 'reject': {
        if (!principal.receives) throw new PandoraError('forbidden', 'this token may not receive')
        const status = frame.type === 'ack' ? Status.confirmed : Status.rejected
        const delay =
          frame.type === 'reject' && frame.delay !== undefined ? { delay: frame.delay } : undefined
        try {
          await this.#s.store.ack(frame.mid, frame.lid, status, delay)
          if (status === Status.confirmed) this.#s.metrics.acked.inc()
          else this.#s.metrics.rejected.inc()
        } finally {
          this.#release(frame.mid.toLowerCase(), frame.lid.toLowerCase())
        }
        return this.#send({ type: 'ok', ...ref })
      }
      case 'acks': {
        if (!principal.receives) throw new PandoraError('forbidden', 'this token may not receive')
        // Every item goes to the store at once (one group commit); each fails or succeeds alone.
        const outcomes = await Promise.all(
          frame.items.map((item) =>
            this.#s.store.ack(item.mid, item.lid, Status.confirmed).then(
              () => null,
              (error: unknown) => error,
            ),
          ),
        )
        const errors: { index: number; code: string; message: string }[] = []
        // Credit comes back for all of them before the hub is kicked, so it fetches once for all.
        const freed = new Set<string>()
        outcomes.forEach((error, index) => {
          const item = frame.items[index]!
          const receiver = this.#release(item.mid.toLowerCase(), item.lid.toLowerCase(), false)
          if (receiver !== null) freed.add(receiver)
          if (error === null) {
            this.#s.metrics.acked.inc()
            return
          }
          const e = toPandoraError(error)
          if (e.code === 'internal') this.#s.onError(error)
          errors.push({ index, code: e.code, message: e.message })
        })
        for (const receiver of freed) this.#s.hub.kick(receiver)
        return this.#send({ type: 'ok', ...ref, ...(errors.length > 0 ? { errors } : {}) })
      }
      case 'renew': {
        if (!principal.receives) throw new PandoraError('forbidden', 'this token may not receive')
        const until = await this.#s.store.renew(frame.mid, frame.lid, frame.leaseTime)
        const holder = this.#holders.get(frame.mid.toLowerCase())
        const lease = holder?.inflight.get(frame.mid.toLowerCase())
        if (lease && lease.lid === frame.lid.toLowerCase()) lease.leasedUntil = until
        return this.#send({ type: 'ok', ...ref, leasedUntil: new Date(until).toISOString() })
      }
    }
  }

  /**
   * Forgets a lease after its ack (or a failed one) and lets its subscription take another
   * (kicking the hub unless `kick` is false). Returns the receiver whose credit came back, if any.
   */
  #release(mid: string, lid: string, kick = true): string | null {
    const holder = this.#holders.get(mid)
    if (!holder || holder.inflight.get(mid)?.lid !== lid) return null
    holder.inflight.delete(mid)
    this.#holders.delete(mid)
    if (kick) this.#s.hub.kick(holder.receiver)
    return holder.receiver
  }
}
