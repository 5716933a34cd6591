import { type BackoffOptions, backoffDelay } from './backoff.js'

/** Reconnection policy: the {@link BackoffOptions} of the waits, and when to give up. */
export interface ReconnectOptions extends BackoffOptions {
  /** Failed attempts in a row after which the client stops trying and goes `failed`. Default: never. */
  maxAttempts?: number
}

/** Reported before each reconnection attempt. */
export interface ReconnectEvent {
  /** 1 for the first retry after a drop. */
  attempt: number
  /** Wait before this attempt, in ms. */
  delay: number
}

/**
 * Counts failed connection attempts in a row and says how long to wait before the next one, or
 * that it is time to give up. A successful open resets the count.
 *
 * @example
 * ```ts
 * const policy = new ReconnectPolicy({ initialDelay: 100, jitter: 0, maxAttempts: 2 })
 * policy.next() // { attempt: 1, delay: 100 }
 * policy.next() // { attempt: 2, delay: 200 }
 * policy.next() // undefined: give up
 * ```
 */
export class ReconnectPolicy {
  readonly #options: ReconnectOptions
  readonly #random: (() => number) | undefined
  #failures = 0

  /** `random` returns a number in [0, 1) for the jitter; injectable so tests can pin it. */
  constructor(options: ReconnectOptions, random?: () => number) {
    this.#options = options
    this.#random = random
  }

  /** Failed attempts since the last successful open. */
  get failures(): number {
    return this.#failures
  }

  /** Records a failure; the wait before the next attempt, or `undefined` once `maxAttempts` failed. */
  next(): ReconnectEvent | undefined {
    const { maxAttempts } = this.#options
    if (maxAttempts !== undefined && this.#failures >= maxAttempts) return undefined
    const delay = backoffDelay(this.#failures, this.#options, this.#random)
    this.#failures++
    return { attempt: this.#failures, delay }
  }

  /** The connection opened: the next drop starts again from the first wait. */
  reset(): void {
    this.#failures = 0
  }
}
