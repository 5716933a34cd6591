import { type ClientFrame, clientFrameSchema, PandoraError, type ServerFrame } from '@pandora/core'
import type { Transport, TransportCloseInfo, TransportHandlers } from './transport.js'

/**
 * The server end of one {@link MemoryTransport} connection: read what the client sent, push frames
 * back, drop the line. For tests of code built on the client.
 */
export class MemoryConnection {
  /** Every frame the client sent, in order. */
  readonly received: ClientFrame[] = []
  readonly url: string
  readonly protocol: string
  #closed = false
  #handlers: TransportHandlers
  #waiters: { match: (f: ClientFrame) => boolean; resolve: (f: ClientFrame) => void }[] = []
  #seen = 0

  /** @internal */
  constructor(url: string, protocol: string, handlers: TransportHandlers) {
    this.url = url
    this.protocol = protocol
    this.#handlers = handlers
  }

  /** True once either side closed. */
  get closed(): boolean {
    return this.#closed
  }

  /** Sends a frame to the client (asynchronously, as a network would). */
  push(frame: ServerFrame | string): void {
    const text = typeof frame === 'string' ? frame : JSON.stringify(frame)
    queueMicrotask(() => {
      if (!this.#closed) this.#handlers.onFrame(text)
    })
  }

  /**
   * Resolves with the next client frame (of `type`, when given) that no earlier call returned.
   */
  next<T extends ClientFrame['type']>(type?: T): Promise<Extract<ClientFrame, { type: T }>> {
    const match = (f: ClientFrame) => type === undefined || f.type === type
    for (let i = this.#seen; i < this.received.length; i++) {
      const frame = this.received[i] as ClientFrame
      if (match(frame)) {
        this.#seen = i + 1
        return Promise.resolve(frame as Extract<ClientFrame, { type: T }>)
      }
    }
    return new Promise((resolve) => {
      this.#waiters.push({ match, resolve: resolve as (f: ClientFrame) => void })
    })
  }

  /** Ends the connection from the server side, as a crash or a network drop would. */
  drop(info: TransportCloseInfo = { code: 1006, reason: '' }): void {
    if (this.#closed) return
    this.#closed = true
    queueMicrotask(() => this.#handlers.onClose(info))
  }

  /** @internal The client sent a frame. */
  deliver(text: string): void {
    const frame = clientFrameSchema.parse(JSON.parse(text))
    this.received.push(frame)
    const i = this.#waiters.findIndex((w) => w.match(frame))
    if (i >= 0) {
      const [waiter] = this.#waiters.splice(i, 1)
      this.#seen = this.received.length
      waiter?.resolve(frame)
    }
  }

  /** @internal The client closed. */
  clientClose(code: number, reason: string): void {
    this.drop({ code, reason })
  }
}

/**
 * An in-memory server for {@link MemoryTransport}s: every connection attempt shows up in
 * {@link connections}. Set {@link refuse} to make attempts fail, as an unreachable server would.
 *
 * @example
 * ```ts
 * const hub = new MemoryHub()
 * const pandora = new PandoraClient({ url: 'http://test', transport: hub.transport })
 * const conn = await hub.nextConnection()
 * conn.push({ type: 'welcome', protocol: 'pandora.v1', authRequired: false, maxSize: 4096, heartbeat: 30_000 })
 * ```
 */
export class MemoryHub {
  /** Every connection accepted so far. */
  readonly connections: MemoryConnection[] = []
  /** When true, new connection attempts fail. */
  refuse = false
  /** Connection attempts so far, refused ones included. */
  attempts = 0
  #waiters: ((c: MemoryConnection) => void)[] = []
  #taken = 0

  /** A {@link TransportFactory} for the client's `transport` option. */
  readonly transport = (): Transport => new MemoryTransport(this)

  /** Resolves with the next accepted connection that no earlier call returned. */
  nextConnection(): Promise<MemoryConnection> {
    const ready = this.connections[this.#taken]
    if (ready) {
      this.#taken++
      return Promise.resolve(ready)
    }
    return new Promise((resolve) => this.#waiters.push(resolve))
  }

  /** @internal */
  accept(url: string, protocol: string, handlers: TransportHandlers): MemoryConnection {
    this.attempts++
    if (this.refuse) throw new PandoraError('unavailable', 'connection refused')
    const conn = new MemoryConnection(url, protocol, handlers)
    this.connections.push(conn)
    const waiter = this.#waiters.shift()
    if (waiter) {
      this.#taken++
      waiter(conn)
    }
    return conn
  }
}

/** A {@link Transport} that talks to a {@link MemoryHub} in the same process. */
export class MemoryTransport implements Transport {
  readonly #hub: MemoryHub
  #conn: MemoryConnection | undefined

  constructor(hub: MemoryHub) {
    this.#hub = hub
  }

  async connect(url: string, protocol: string, handlers: TransportHandlers): Promise<void> {
    await Promise.resolve()
    this.#conn = this.#hub.accept(url, protocol, handlers)
  }

  send(data: string): void {
    if (!this.#conn || this.#conn.closed) throw new PandoraError('connection_lost', 'not connected')
    this.#conn.deliver(data)
  }

  close(code = 1000, reason = ''): void {
    this.#conn?.clientClose(code, reason)
  }
}
