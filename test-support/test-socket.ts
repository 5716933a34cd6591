import { type ClientFrame, type ServerFrame, WS_PROTOCOL } from '@pandora/core'
import WebSocket from 'ws'

/** A raw WebSocket client for tests: send frames, await the next frame matching a predicate. */
export class TestSocket {
  readonly frames: ServerFrame[] = []
  readonly #waiters: { test: (f: ServerFrame) => boolean; resolve: (f: ServerFrame) => void }[] = []
  #seen = 0

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const frame = JSON.parse(String(data)) as ServerFrame
      this.frames.push(frame)
      for (const w of [...this.#waiters]) {
        if (w.test(frame)) {
          this.#waiters.splice(this.#waiters.indexOf(w), 1)
          w.resolve(frame)
        }
      }
    })
  }

  static async open(baseUrl: string, headers: Record<string, string> = {}): Promise<TestSocket> {
    const ws = new WebSocket(`${baseUrl.replace(/^http/, 'ws')}/v1/ws`, WS_PROTOCOL, { headers })
    const socket = new TestSocket(ws)
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve())
      ws.once('error', reject)
      ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)))
    })
    return socket
  }

  send(frame: ClientFrame | Record<string, unknown>): void {
    this.ws.send(JSON.stringify(frame))
  }

  /** The next frame (already received or future) of `type` matching `test`, in arrival order. */
  next<T extends ServerFrame['type']>(
    type: T,
    test: (f: Extract<ServerFrame, { type: T }>) => boolean = () => true,
    timeoutMs = 5000,
  ): Promise<Extract<ServerFrame, { type: T }>> {
    const match = (f: ServerFrame) => f.type === type && test(f as Extract<ServerFrame, { type: T }>)
    for (let i = this.#seen; i < this.frames.length; i++) {
      const f = this.frames[i]!
      if (match(f)) {
        this.frames.splice(i, 1)
        return Promise.resolve(f as Extract<ServerFrame, { type: T }>)
      }
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${type} frame within ${timeoutMs} ms`)), timeoutMs)
      this.#waiters.push({
        test: match,
        resolve: (f) => {
          clearTimeout(timer)
          this.frames.splice(this.frames.indexOf(f), 1)
          resolve(f as Extract<ServerFrame, { type: T }>)
        },
      })
    })
  }

  /** Frames of `type` received and not yet taken. */
  pending(type: ServerFrame['type']): ServerFrame[] {
    return this.frames.filter((f) => f.type === type)
  }

  async close(): Promise<void> {
    if (this.ws.readyState === WebSocket.CLOSED) return
    await new Promise<void>((resolve) => {
      this.ws.once('close', () => resolve())
      this.ws.close()
    })
  }

  /** Resolves when the server closes the socket; gives the close code. */
  closed(): Promise<number> {
    if (this.ws.readyState === WebSocket.CLOSED) return Promise.resolve(0)
    return new Promise((resolve) => this.ws.once('close', (code) => resolve(code)))
  }
}

/**
 * The sockets one test file opens, closed together after each test:
 * `const sockets = new SocketPool()`, `afterEach(() => sockets.closeAll())`.
 */
export class SocketPool {
  readonly #open: TestSocket[] = []

  /** Opens a socket to `baseUrl` and keeps it for {@link SocketPool.closeAll}. */
  async open(baseUrl: string, headers?: Record<string, string>): Promise<TestSocket> {
    return this.track(await TestSocket.open(baseUrl, headers))
  }

  /** Keeps a socket opened elsewhere for {@link SocketPool.closeAll}; returns it. */
  track(socket: TestSocket): TestSocket {
    this.#open.push(socket)
    return socket
  }

  /** Stops keeping a socket the test ends itself. */
  forget(socket: TestSocket): void {
    const at = this.#open.indexOf(socket)
    if (at >= 0) this.#open.splice(at, 1)
  }

  /** Closes every socket kept so far. */
  async closeAll(): Promise<void> {
    await Promise.all(this.#open.splice(0).map((s) => s.close()))
  }
}
