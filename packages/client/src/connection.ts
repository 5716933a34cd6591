import {
  type ClientFrame,
  PandoraError,
  type ServerFrame,
  serverFrameSchema,
  type WireLeasedMessage,
  WS_MAX_ACKS,
  WS_PROTOCOL,
} from '@pandora/core'
import { type BackoffOptions, backoffDelay } from './backoff.js'
import { Emitter } from './emitter.js'
import { frameToError } from './problem.js'
import type { Transport, TransportCloseInfo, TransportFactory } from './transport.js'

/**
 * The state of the client's WebSocket: `connecting` (first attempt), `open` (handshake done,
 * subscriptions live), `reconnecting` (dropped, waiting to try again), `closed` (closed by the
 * client, or given up). `idle` before anything needed a socket; it is never emitted.
 */
export type ConnectionState = 'idle' | 'connecting' | 'open' | 'reconnecting' | 'closed'

/** Reconnection policy: the {@link BackoffOptions} of the waits, and when to give up. */
export interface ReconnectOptions extends BackoffOptions {
  /** Failed attempts in a row after which the client stops trying and goes `closed`. Default: never. */
  maxAttempts?: number
}

/** Reported before each reconnection attempt. */
export interface ReconnectEvent {
  /** 1 for the first retry after a drop. */
  attempt: number
  /** Wait before this attempt, in ms. */
  delay: number
}

/** Events of a {@link Connection}. */
export interface ConnectionEvents extends Record<string, unknown> {
  state: ConnectionState
  error: PandoraError
  reconnect: ReconnectEvent
}

type Reply = Exclude<ServerFrame, { type: 'welcome' | 'message' | 'messages' }>
type Welcome = Extract<ServerFrame, { type: 'welcome' }>
/** A client frame before the connection assigns its `ref`. */
export type RequestFrame = ClientFrame extends infer F
  ? F extends ClientFrame
    ? Omit<F, 'ref'>
    : never
  : never

/** Settings of a {@link Connection}. */
export interface ConnectionOptions {
  url: string
  token?: string | undefined
  transport: TransportFactory
  reconnect: ReconnectOptions
  requestTimeout: number
  /** Ping interval in ms; `undefined` follows the server's welcome, `false` turns pings off. */
  heartbeat?: number | false | undefined
  /** Source of jitter, in [0, 1). */
  random?: () => number
  /** Called each time the socket is open and authenticated (first time and after every reconnect). */
  onOpen(): void
  /** A pushed message. */
  onMessage(sub: string, message: WireLeasedMessage): void
  /** An error the server reported for a subscription, outside any request. */
  onSubscriptionError(sub: string, error: PandoraError): void
}

/** An ack waiting for the end of the tick, to leave with the others in one `acks` frame. */
interface QueuedAck {
  mid: string
  lid: string
  resolve: () => void
  reject: (error: unknown) => void
}

// Node's setImmediate runs after the I/O of this turn, so every handler that settles during one
// burst of frames lands in the same batch; elsewhere a zero timeout does the same job.
const nextTurn: (run: () => void) => void =
  typeof globalThis.setImmediate === 'function'
    ? (run) => globalThis.setImmediate(run)
    : (run) => setTimeout(run, 0)

interface Pending {
  resolve: (frame: Reply) => void
  reject: (error: unknown) => void
  timer: ReturnType<typeof setTimeout>
}

/**
 * One WebSocket shared by everything a client does over push: the welcome/auth handshake,
 * request/reply matching by `ref`, heartbeats, and reconnection with exponential backoff and jitter.
 */
export class Connection extends Emitter<ConnectionEvents> {
  readonly #options: ConnectionOptions
  #state: ConnectionState = 'idle'
  #transport: Transport | undefined
  #pending = new Map<string, Pending>()
  #nextRef = 0
  #failures = 0
  #retryTimer: ReturnType<typeof setTimeout> | undefined
  #heartbeatTimer: ReturnType<typeof setInterval> | undefined
  #lastFrameAt = 0
  #welcome: { resolve: (w: Welcome) => void; reject: (e: unknown) => void } | undefined
  /** Optional frames the server announced in its welcome. */
  #features = new Set<string>()
  #acks: QueuedAck[] = []

  constructor(options: ConnectionOptions) {
    super()
    this.#options = options
  }

  get state(): ConnectionState {
    return this.#state
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
    this.start()
    return new Promise((resolve, reject) => {
      const off = this.on('state', (state) => {
        if (state === 'open') {
          off()
          resolve()
        } else if (state === 'closed') {
          off()
          reject(new PandoraError('connection_lost', 'client closed'))
        }
      })
    })
  }

  /** Sends a frame and resolves with the server's reply to it; a server `error` rejects. */
  request(frame: RequestFrame): Promise<Reply> {
    if (this.#state !== 'open' || !this.#transport) {
      return Promise.reject(new PandoraError('connection_lost', 'the WebSocket is not open'))
    }
    return this.#send(this.#transport, frame)
  }

  /**
   * Confirms a lease. Acks made in the same turn of the event loop leave in one `acks` frame when
   * the server supports it (one frame and one reply for a burst of handlers); otherwise one `ack`.
   */
  ack(mid: string, lid: string): Promise<void> {
    if (!this.#features.has('acks')) return this.request({ type: 'ack', mid, lid }).then(() => {})
    return new Promise<void>((resolve, reject) => {
      if (this.#acks.length === 0) nextTurn(() => this.#flushAcks())
      this.#acks.push({ mid, lid, resolve, reject })
    })
  }

  #flushAcks(): void {
    const all = this.#acks
    this.#acks = []
    for (let start = 0; start < all.length; start += WS_MAX_ACKS) {
      const batch = all.slice(start, start + WS_MAX_ACKS)
      const items = batch.map(({ mid, lid }) => ({ mid, lid }))
      this.request({ type: 'acks', items }).then(
        (reply) => {
          const failed = new Map<number, PandoraError>()
          if (reply.type === 'ok')
            for (const e of reply.errors ?? []) failed.set(e.index, frameToError(e.code, e.message))
          batch.forEach((a, i) => {
            const error = failed.get(i)
            if (error) a.reject(error)
            else a.resolve()
          })
        },
        (error: unknown) => {
          for (const a of batch) a.reject(error)
        },
      )
    }
  }

  /** Closes the socket for good: pending requests fail, no reconnection. */
  close(): void {
    if (this.#state === 'closed') return
    const transport = this.#transport
    this.#teardown(new PandoraError('connection_lost', 'client closed'))
    transport?.close(1000, 'client closed')
    this.#setState('closed')
  }

  #send(transport: Transport, frame: RequestFrame): Promise<Reply> {
    const ref = String(++this.#nextRef)
    return new Promise<Reply>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(ref)
        reject(
          new PandoraError('timeout', `no reply to ${frame.type} within ${this.#options.requestTimeout} ms`),
        )
      }, this.#options.requestTimeout)
      this.#pending.set(ref, { resolve, reject, timer })
      try {
        transport.send(JSON.stringify({ ...frame, ref }))
      } catch (cause) {
        clearTimeout(timer)
        this.#pending.delete(ref)
        reject(new PandoraError('connection_lost', 'cannot send on the WebSocket', { cause }))
      }
    })
  }

  async #attempt(): Promise<void> {
    const transport = this.#options.transport()
    this.#transport = transport
    const welcome = new Promise<Welcome>((resolve, reject) => {
      this.#welcome = { resolve, reject }
    })
    // Awaited only once the transport is up; a drop before that must not surface as unhandled.
    welcome.catch(() => {})
    try {
      await transport.connect(this.#options.url, WS_PROTOCOL, {
        onFrame: (data) => {
          if (this.#transport === transport) this.#onFrame(data)
        },
        onClose: (info) => {
          if (this.#transport === transport) this.#onDrop(info)
        },
      })
      const hello = await withTimeout(welcome, this.#options.requestTimeout, 'no welcome from the server')
      this.#features = new Set(hello.features ?? [])
      if (hello.authRequired) {
        if (!this.#options.token) {
          throw new PandoraError('unauthorized', 'the server requires a token: pass the token option')
        }
        await this.#send(transport, { type: 'auth', token: this.#options.token })
      }
      if (this.#transport !== transport) return
      this.#failures = 0
      this.#startHeartbeat(transport, hello.heartbeat)
      this.#setState('open')
      this.#options.onOpen()
    } catch (error) {
      if (this.#transport !== transport) return
      const err = toError(error)
      transport.close(4000, 'handshake failed')
      if (err.code === 'unauthorized' || err.code === 'forbidden') {
        // The same token will be refused again: retrying would only hammer the server.
        this.emit('error', err)
        this.#teardown(err)
        this.#setState('closed')
        return
      }
      this.#scheduleRetry(err)
    }
  }

  #onFrame(data: string): void {
    this.#lastFrameAt = Date.now()
    let json: unknown
    try {
      json = JSON.parse(data)
    } catch {
      this.emit('error', new PandoraError('internal', 'the server sent a frame that is not JSON'))
      return
    }
    const parsed = serverFrameSchema.safeParse(json)
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
      default:
        break
    }
    const pending = frame.ref === undefined ? undefined : this.#pending.get(frame.ref)
    if (pending && frame.ref !== undefined) {
      this.#pending.delete(frame.ref)
      clearTimeout(pending.timer)
      if (frame.type === 'error') pending.reject(frameToError(frame.code, frame.message))
      else pending.resolve(frame)
      return
    }
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
      this.#rejectPending(error)
    }
  }

  #scheduleRetry(error: PandoraError): void {
    this.#transport = undefined
    const { maxAttempts } = this.#options.reconnect
    if (maxAttempts !== undefined && this.#failures >= maxAttempts) {
      this.emit('error', new PandoraError('connection_lost', 'gave up reconnecting', { cause: error }))
      this.#setState('closed')
      return
    }
    const delay = backoffDelay(this.#failures, this.#options.reconnect, this.#options.random)
    this.#failures++
    this.#setState('reconnecting')
    this.emit('reconnect', { attempt: this.#failures, delay })
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined
      void this.#attempt()
    }, delay)
  }

  #startHeartbeat(transport: Transport, serverInterval: number): void {
    const option = this.#options.heartbeat
    if (option === false) return
    const interval = option ?? serverInterval
    if (!(interval > 0)) return
    this.#lastFrameAt = Date.now()
    this.#heartbeatTimer = setInterval(() => {
      if (Date.now() - this.#lastFrameAt > 2 * interval) {
        // A dead peer may never complete a closing handshake: treat the socket as gone right away.
        transport.close(4001, 'heartbeat timeout')
        this.#onDrop({ code: 4001, reason: 'heartbeat timeout' })
        return
      }
      this.#send(transport, { type: 'ping' }).catch(() => {
        // A missing pong shows up as silence, which the check above handles.
      })
    }, interval)
  }

  #teardown(error: PandoraError): void {
    this.#transport = undefined
    if (this.#heartbeatTimer !== undefined) clearInterval(this.#heartbeatTimer)
    this.#heartbeatTimer = undefined
    if (this.#retryTimer !== undefined) clearTimeout(this.#retryTimer)
    this.#retryTimer = undefined
    this.#welcome?.reject(error)
    this.#welcome = undefined
    this.#rejectPending(error)
  }

  #rejectPending(error: PandoraError): void {
    for (const [ref, p] of this.#pending) {
      clearTimeout(p.timer)
      p.reject(error)
      this.#pending.delete(ref)
    }
  }

  #setState(state: ConnectionState): void {
    if (this.#state === state) return
    this.#state = state
    this.emit('state', state)
  }
}

function toError(error: unknown): PandoraError {
  return error instanceof PandoraError ? error : new PandoraError('unavailable', undefined, { cause: error })
}

function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new PandoraError('timeout', message)), ms)
    promise.then(
      (v) => {
        clearTimeout(timer)
        resolve(v)
      },
      (e) => {
        clearTimeout(timer)
        reject(e)
      },
    )
  })
}
