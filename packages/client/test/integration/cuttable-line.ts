import { PandoraError, type ServerFrame } from '@pandora/core'
import type { Transport, TransportFactory } from '../../src/transport.js'
import { type WebSocketConstructor, WebSocketTransport } from '../../src/websocket-transport.js'

/**
 * The client's line to a real server, which a test can cut: the open socket closes (the server
 * sees it go, as after a network drop) and new connections fail until {@link mend}. It also lets a
 * test await the frames the server sends, instead of sleeping until something happened.
 */
export class CuttableLine {
  #down = false
  #current: Transport | undefined
  #waiters: { test: (f: ServerFrame) => boolean; resolve: (f: ServerFrame) => void }[] = []

  /** The client's `transport` option. */
  readonly transport: TransportFactory = () => {
    const inner = new WebSocketTransport((globalThis as { WebSocket?: WebSocketConstructor }).WebSocket!)
    const line: Transport = {
      connect: async (url, protocol, handlers) => {
        if (this.#down) throw new PandoraError('unavailable', 'the line is cut')
        await inner.connect(url, protocol, {
          onFrame: (data) => {
            this.#seen(JSON.parse(data) as ServerFrame)
            handlers.onFrame(data)
          },
          onClose: (info) => handlers.onClose(info),
        })
        this.#current = inner
      },
      send: (data) => inner.send(data),
      close: (code, reason) => inner.close(code, reason),
    }
    return line
  }

  /** Closes the open socket and refuses new ones. */
  cut(): void {
    this.#down = true
    this.#current?.close(4000, 'line cut')
    this.#current = undefined
  }

  /** Lets the client connect again. */
  mend(): void {
    this.#down = false
  }

  /** The next frame from the server that passes `test`. */
  nextFrame(test: (f: ServerFrame) => boolean): Promise<ServerFrame> {
    return new Promise((resolve) => this.#waiters.push({ test, resolve }))
  }

  #seen(frame: ServerFrame): void {
    for (const w of [...this.#waiters]) {
      if (w.test(frame)) {
        this.#waiters.splice(this.#waiters.indexOf(w), 1)
        w.resolve(frame)
      }
    }
  }
}
