import type { Clock } from '../../clock.js'

/** How often the offset to the database clock is measured again, ms. */
const REMEASURE_MS = 60_000

/**
 * The database's clock as read from this process: `Date.now()` plus an offset measured against
 * PostgreSQL's `clock_timestamp()` at the midpoint of a round trip, measured again every minute.
 * The store decides every lease on the database itself; this clock lets a caller (the push hub)
 * compare the times the store returns with "now" on the same clock.
 */
export class DatabaseClock implements Clock {
  #offset = 0
  #timer: ReturnType<typeof setInterval> | undefined

  constructor(private readonly readDatabaseMs: () => Promise<number>) {}

  now(): number {
    return Date.now() + this.#offset
  }

  /** Measures the offset once, then keeps measuring it until {@link stop}. */
  async start(onError: (error: unknown) => void): Promise<void> {
    await this.measure()
    this.#timer = setInterval(() => this.measure().catch(onError), REMEASURE_MS)
    ;(this.#timer as { unref?: () => void }).unref?.()
  }

  async measure(): Promise<void> {
    const before = Date.now()
    const db = await this.readDatabaseMs()
    const after = Date.now()
    this.#offset = Math.round(db - (before + after) / 2)
  }

  stop(): void {
    clearInterval(this.#timer)
  }
}
