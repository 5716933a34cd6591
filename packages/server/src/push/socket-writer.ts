import type { ServerFrame } from '@pandora/core'
import type { WebSocket } from 'ws'

/** What the writer needs of a `ws` WebSocket (tests pass a fake). */
export type FrameSink = Pick<WebSocket, 'readyState' | 'OPEN' | 'send'>

/** The Node stream calls that hold writes back and let them go as one. */
interface Corkable {
  cork(): void
  uncork(): void
}

/**
 * Sends server frames on one socket, coalescing the frames of one tick (a burst of pushes, the
 * replies to a burst of acks) into one write: under load one syscall per frame cost more than the
 * frames. Node's idiom for that is cork now, uncork on the next tick, on the underlying
 * `net.Socket` — which `ws` keeps in its private `_socket` field. This class is the only place
 * that touches that field, so a `ws` upgrade that renames it breaks one file, and its test.
 *
 * @example
 * const writer = new SocketWriter(ws)
 * writer.send({ type: 'pong' }) // dropped (false) once the socket is no longer open
 */
export class SocketWriter {
  readonly #ws: FrameSink
  #corked = false

  constructor(ws: FrameSink) {
    this.#ws = ws
  }

  /** True when the underlying socket can be corked (ws still has the field this relies on). */
  get canCork(): boolean {
    return this.#socket() !== undefined
  }

  /** Serializes and sends `frame`; returns false (and sends nothing) unless the socket is open. */
  send(frame: ServerFrame): boolean {
    if (this.#ws.readyState !== this.#ws.OPEN) return false
    this.#cork()
    this.#ws.send(JSON.stringify(frame))
    return true
  }

  #socket(): Corkable | undefined {
    const socket = (this.#ws as unknown as { _socket?: Partial<Corkable> })._socket
    return typeof socket?.cork === 'function' && typeof socket.uncork === 'function'
      ? (socket as Corkable)
      : undefined
  }

  #cork(): void {
    if (this.#corked) return
    const socket = this.#socket()
    // Without the field, frames still go out, one write each: slower, never lost.
    if (!socket) return
    this.#corked = true
    socket.cork()
    process.nextTick(() => {
      this.#corked = false
      socket.uncork()
    })
  }
}
