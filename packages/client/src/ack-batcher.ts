import type { PandoraError } from '@pandora/core'
import type { Reply, RequestFrame } from './pending-replies.js'
import { frameToError } from './problem.js'

/** An ack waiting for the end of the tick, to leave with the others in one `acks` frame. */
interface QueuedAck {
  mid: string
  lid: string
  resolve: () => void
  reject: (error: unknown) => void
}

/** What an {@link AckBatcher} needs: a way to send a frame and await its reply. */
export interface AckBatcherOptions {
  /** Sends an `acks` frame and resolves with the server's reply. */
  request(frame: Extract<RequestFrame, { type: 'acks' }>): Promise<Reply>
  /** Most items in one `acks` frame (the server's limit). */
  maxBatch: number
  /** Runs `flush` once the current burst is over. Default: `setImmediate` where it exists, else a 0 ms timeout. */
  nextTurn?: (flush: () => void) => void
}

// Node's setImmediate runs after the I/O of this turn, so every handler that settles during one
// burst of frames lands in the same batch; elsewhere a zero timeout does the same job.
const defaultNextTurn: (run: () => void) => void =
  typeof globalThis.setImmediate === 'function'
    ? (run) => globalThis.setImmediate(run)
    : (run) => setTimeout(run, 0)

/**
 * Collects the acks made in one turn of the event loop and sends them in `acks` frames of at most
 * `maxBatch` items: one frame and one reply for a burst of handlers. Each ack settles on its own
 * item: the server's per-index errors reject only the acks they name.
 *
 * @example
 * ```ts
 * const acks = new AckBatcher({ request: (f) => connection.request(f), maxBatch: WS_MAX_ACKS })
 * await Promise.all([acks.add(mid1, lid1), acks.add(mid2, lid2)]) // one frame
 * ```
 */
export class AckBatcher {
  readonly #options: AckBatcherOptions
  #queue: QueuedAck[] = []

  constructor(options: AckBatcherOptions) {
    this.#options = options
  }

  /** Queues an ack for this turn's frame; resolves when the server confirmed this item. */
  add(mid: string, lid: string): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (this.#queue.length === 0) (this.#options.nextTurn ?? defaultNextTurn)(() => this.#flush())
      this.#queue.push({ mid, lid, resolve, reject })
    })
  }

  #flush(): void {
    const all = this.#queue
    this.#queue = []
    const size = this.#options.maxBatch
    for (let start = 0; start < all.length; start += size) {
      const batch = all.slice(start, start + size)
      const items = batch.map(({ mid, lid }) => ({ mid, lid }))
      this.#options.request({ type: 'acks', items }).then(
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
}
