import type { ClientFrame, ServerFrame } from '@pandora/core'
import { clientFrameMini, PandoraError } from '@pandora/core/protocol'
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
  #cursor = 0
  #readers: ((f: ClientFrame) => void)[] = []
  #claimed = new Set<ClientFrame>()
  #watchers: { type: string; resolve: (f: ClientFrame) => void }[] = []

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
   * Resolves with every client frame in turn, as a server loop reads them: each call returns the
   * frame after the one the previous call returned.
   */
  next(): Promise<ClientFrame> {
    const frame = this.received[this.#cursor]
    if (frame) {
      this.#cursor++
      return Promise.resolve(frame)
    }
    return new Promise((resolve) => this.#readers.push(resolve))
  }

  /**
   * Resolves with the first client frame of `type` that no earlier `waitFor` returned, now or when
   * it arrives. Independent of {@link next}, so a test can watch while a fake server replies.
   */
  waitFor<T extends ClientFrame['type']>(type: T): Promise<Extract<ClientFrame, { type: T }>> {
    const found = this.received.find((f) => f.type === type && !this.#claimed.has(f))
    if (found) {
      this.#claimed.add(found)
      return Promise.resolve(found as Extract<ClientFrame, { type: T }>)
    }
    return new Promise((resolve) => {
      this.#watchers.push({ type, resolve: resolve as (f: ClientFrame) => void })
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
    const frame = clientFrameMini.parse(JSON.parse(text))
    this.received.push(frame)
    const reader = this.#readers.shift()
    if (reader) {
      this.#cursor++
      reader(frame)
    }
    const i = this.#watchers.findIndex((w) => w.type === frame.type)
    if (i >= 0) {
      const [watcher] = this.#watchers.splice(i, 1)
      this.#claimed.add(frame)
      watcher?.resolve(frame)
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
