/** A source of the current time in epoch milliseconds; injectable so tests need not sleep. */
export interface Clock {
  now(): number
}

/** The system clock. */
export const systemClock: Clock = { now: () => Date.now() }

/**
 * A clock that only moves when told to, for tests of delays and leases.
 *
 * @example
 * ```ts
 * const clock = new ManualClock()
 * const store = new MemoryStore({ clock })
 * clock.advance(60_000) // a minute passes, at once
 * ```
 */
export class ManualClock implements Clock {
  #now: number

  constructor(start = Date.UTC(2024, 0, 1)) {
    this.#now = start
  }

  now(): number {
    return this.#now
  }

  /** Moves the clock forward by `ms`. */
  advance(ms: number): void {
    this.#now += ms
  }
}
