/** What a {@link TurnBatcher} needs: how to send one chunk of items and learn each one's outcome. */
export interface TurnBatcherOptions<I, R> {
  /** Sends `items` together; resolves with, per item in order, its result or the error it failed with. */
  flush(items: I[]): Promise<({ ok: true; value: R } | { ok: false; error: unknown })[]>
  /** Most items in one chunk. */
  maxBatch: number
  /** Largest chunk by `size` (e.g. encoded bytes); a single larger item still goes alone. */
  maxSize?: number
  /** The size of one item, for {@link TurnBatcherOptions.maxSize}. */
  size?(item: I): number
  /** Runs `flush` once the current burst is over. Default: `setImmediate` where it exists, else a 0 ms timeout. */
  nextTurn?: (flush: () => void) => void
  /**
   * Sends the queue at once, without waiting for the burst to end, when it reaches this many items
   * (default: only at the end of the burst). A long burst then overlaps with its first items'
   * round trip instead of sending everything once it is over. A function is asked at each item.
   */
  flushAt?: number | (() => number)
}

// Node's setImmediate runs after the I/O of this turn, so everything that settles during one burst
// of frames lands in the same batch; elsewhere a zero timeout does the same job.
const defaultNextTurn: (run: () => void) => void =
  typeof globalThis.setImmediate === 'function'
    ? (run) => globalThis.setImmediate(run)
    : (run) => setTimeout(run, 0)

interface Queued<I, R> {
  item: I
  resolve: (value: R) => void
  reject: (error: unknown) => void
}

/**
 * Collects what callers add during one turn of the event loop and sends it in chunks of at most
 * `maxBatch` items (and `maxSize`): one frame and one reply for a burst. Each caller settles on its
 * own item's outcome; a chunk that fails whole rejects all of its callers.
 *
 * @example
 * ```ts
 * const batcher = new TurnBatcher({ maxBatch: 64, flush: async (items) => items.map(() => ({ ok: true, value: 1 })) })
 * await Promise.all([batcher.add('a'), batcher.add('b')]) // one flush of ['a', 'b']
 * ```
 */
export class TurnBatcher<I, R> {
  readonly #options: TurnBatcherOptions<I, R>
  #queue: Queued<I, R>[] = []

  constructor(options: TurnBatcherOptions<I, R>) {
    this.#options = options
  }

  /** Queues `item` for this turn's chunk; resolves with its own outcome. */
  add(item: I): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      if (this.#queue.length === 0) (this.#options.nextTurn ?? defaultNextTurn)(() => this.#flushAll())
      this.#queue.push({ item, resolve, reject })
      // The turn's scheduled flush then finds the queue emptied (or holding only later items).
      const { flushAt = Number.POSITIVE_INFINITY } = this.#options
      if (this.#queue.length >= (typeof flushAt === 'function' ? flushAt() : flushAt)) this.#flushAll()
    })
  }

  #flushAll(): void {
    const all = this.#queue
    this.#queue = []
    for (const chunk of this.#chunks(all)) this.#flush(chunk)
  }

  *#chunks(all: Queued<I, R>[]): Generator<Queued<I, R>[]> {
    const { maxBatch, maxSize = Number.POSITIVE_INFINITY, size = () => 0 } = this.#options
    let chunk: Queued<I, R>[] = []
    let bytes = 0
    for (const q of all) {
      const s = size(q.item)
      if (chunk.length > 0 && (chunk.length >= maxBatch || bytes + s > maxSize)) {
        yield chunk
        chunk = []
        bytes = 0
      }
      chunk.push(q)
      bytes += s
    }
    if (chunk.length > 0) yield chunk
  }

  #flush(chunk: Queued<I, R>[]): void {
    this.#options.flush(chunk.map((q) => q.item)).then(
      (outcomes) =>
        chunk.forEach((q, i) => {
          const o = outcomes[i]
          if (o?.ok) q.resolve(o.value)
          else q.reject(o ? o.error : new Error('no outcome for this item'))
        }),
      (error: unknown) => {
        for (const q of chunk) q.reject(error)
      },
    )
  }
}
