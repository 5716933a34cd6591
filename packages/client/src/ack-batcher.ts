import type { PandoraError } from '@pandora/core/protocol'
import type { Reply, RequestFrame } from './pending-replies.js'
import { frameToError } from './problem.js'
import { TurnBatcher } from './turn-batcher.js'

/** What an {@link AckBatcher} needs: a way to send a frame and await its reply. */
export interface AckBatcherOptions {
  /** Sends an `acks` frame and resolves with the server's reply. */
  request(frame: Extract<RequestFrame, { type: 'acks' }>): Promise<Reply>
  /** Most items in one `acks` frame (the server's limit). */
  maxBatch: number
  /** Runs `flush` once the current burst is over. Default: `setImmediate` where it exists, else a 0 ms timeout. */
  nextTurn?: (flush: () => void) => void
  /** Sends the acks queued so far without waiting for the burst to end once there are this many (default {@link ACK_FLUSH_AT}). */
  flushAt?: number
}

/**
 * How many acks a burst collects before they go out without waiting for its end. A consumer with a
 * large prefetch gets its window in one burst; acking it all at the end left the server idle while
 * the handlers ran and the consumer idle while the server refilled (a ping-pong of whole windows).
 * Sending every 16 lets the server lease and push the next messages while the rest still run.
 */
export const ACK_FLUSH_AT = 16

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
  readonly #batcher: TurnBatcher<{ mid: string; lid: string }, void>

  constructor(options: AckBatcherOptions) {
    this.#batcher = new TurnBatcher<{ mid: string; lid: string }, void>({
      maxBatch: options.maxBatch,
      flushAt: options.flushAt ?? ACK_FLUSH_AT,
      ...(options.nextTurn ? { nextTurn: options.nextTurn } : {}),
      flush: async (items) => {
        const reply = await options.request({ type: 'acks', items })
        const failed = new Map<number, PandoraError>()
        if (reply.type === 'ok')
          for (const e of reply.errors ?? []) failed.set(e.index, frameToError(e.code, e.message))
        return items.map((_, i) => {
          const error = failed.get(i)
          return error ? { ok: false as const, error } : { ok: true as const, value: undefined }
        })
      },
    })
  }

  /** Queues an ack for this turn's frame; resolves when the server confirmed this item. */
  add(mid: string, lid: string): Promise<void> {
    return this.#batcher.add({ mid, lid })
  }
}
