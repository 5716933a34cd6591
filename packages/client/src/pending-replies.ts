import type { ClientFrame, ServerFrame } from '@pandora/core'
import { PandoraError } from '@pandora/core/protocol'
import { frameToError } from './problem.js'
import type { Transport } from './transport.js'

/** A server frame that answers a request (everything but the welcome and what the server pushes). */
export type Reply = Exclude<ServerFrame, { type: 'welcome' | 'message' | 'messages' | 'lost' | 'changes' }>

/** A client frame before the connection assigns its `ref`. */
export type RequestFrame = ClientFrame extends infer F
  ? F extends ClientFrame
    ? Omit<F, 'ref'>
    : never
  : never

interface Pending {
  resolve: (frame: Reply) => void
  reject: (error: unknown) => void
  timer: ReturnType<typeof setTimeout>
}

/**
 * Request/reply over a socket: gives each request frame a `ref`, and settles its promise when the
 * frame with that `ref` comes back (an `error` frame rejects), or after `timeout` ms with `timeout`.
 *
 * @example
 * ```ts
 * const replies = new PendingReplies(10_000)
 * const reply = replies.send(transport, { type: 'ping' })
 * // in the frame handler:
 * replies.settle(frame) // true when the frame answered a request
 * ```
 */
export class PendingReplies {
  readonly #timeout: number
  readonly #pending = new Map<string, Pending>()
  #nextRef = 0

  /** `timeout`: longest wait for a reply, in ms. */
  constructor(timeout: number) {
    this.#timeout = timeout
  }

  /** Requests waiting for their reply. */
  get size(): number {
    return this.#pending.size
  }

  /**
   * Sends `frame` with a fresh `ref`; resolves with the reply to it. A transport that cannot send
   * rejects with `connection_lost`.
   */
  send(transport: Transport, frame: RequestFrame): Promise<Reply> {
    const ref = String(++this.#nextRef)
    return new Promise<Reply>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(ref)
        reject(new PandoraError('timeout', `no reply to ${frame.type} within ${this.#timeout} ms`))
      }, this.#timeout)
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

  /** Settles the request `frame` answers; false when it answers none (no `ref`, or an unknown one). */
  settle(frame: Reply): boolean {
    const pending = frame.ref === undefined ? undefined : this.#pending.get(frame.ref)
    if (!pending || frame.ref === undefined) return false
    this.#pending.delete(frame.ref)
    clearTimeout(pending.timer)
    if (frame.type === 'error') pending.reject(frameToError(frame.code, frame.message))
    else pending.resolve(frame)
    return true
  }

  /** Fails every waiting request with `error` (the socket is gone). */
  rejectAll(error: unknown): void {
    for (const [ref, p] of this.#pending) {
      clearTimeout(p.timer)
      p.reject(error)
      this.#pending.delete(ref)
    }
  }
}
