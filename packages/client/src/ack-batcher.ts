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
  /**
   * Sends the acks queued so far without waiting for the burst to end once there are this many
   * (default {@link ACK_FLUSH_AT}); a function is asked at each ack (see {@link ackFlushAt}).
   */
  flushAt?: number | (() => number)
}

/**
 * How many acks a burst collects before they go out without waiting for its end. A consumer with a
 * large prefetch gets its window in one burst; acking it all at the end left the server idle while
 * the handlers ran and the consumer idle while the server refilled (a ping-pong of whole windows).
 * Sending every 16 lets the server lease and push the next messages while the rest still run.
 */
export const ACK_FLUSH_AT = 16

/**
 * When to send a burst's acks for a consumer whose subscriptions hold up to `window` messages
 * (their prefetch added up): at half the window, at least 2 and at most {@link ACK_FLUSH_AT}. With
 * a window of 16, acking only at 16 made consumer and server take turns with whole windows (the
 * server idle while handlers ran, handlers idle while it refilled); acking at 8 lets the server
 * lease the next 8 while the other 8 run — measured through pandorad, six interleaved pairs: 12.1k
 * → 15.2k msg/s. At 64 the flush stays at 16 (at 8 there, 10 % slower: more frames); with one
 * message in flight nothing changes (one ack a turn, sent at the turn's end).
 */
export function ackFlushAt(window: number): number {
  return Math.max(2, Math.min(ACK_FLUSH_AT, Math.ceil(window / 2)))
}

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
