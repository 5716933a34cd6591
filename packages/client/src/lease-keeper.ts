import { isLeaseGone, LeaseLostError, type LeaseLostKind } from './lease-lost-error.js'

/** What a {@link LeaseKeeper} reports. */
export type LeaseKeeperEvent =
  /** The lease was extended. */
  | { type: 'renewed'; leasedUntil: Date }
  /** A renewal failed but the lease still holds locally; the keeper tries again. */
  | { type: 'error'; error: unknown }
  /**
   * The lease is gone — the server refused a renewal (`renewal_refused`), or its end passed
   * without a successful one (`expired`) — and the keeper stopped.
   */
  | { type: 'lost'; error: LeaseLostError }

/** The narrow view of a leased message a {@link LeaseKeeper} needs. */
export interface LeaseHolder {
  /** Extends the lease to `leaseTime` ms from now; resolves with the new end. */
  renew(leaseTime: number): Promise<Date>
  emit(event: LeaseKeeperEvent): void
}

/** Settings of a {@link LeaseKeeper}. */
export interface LeaseKeeperOptions {
  /** Length of the lease and of every renewal, in ms. */
  leaseTime: number
  /** Share of the lease that passes before it is renewed, between 0 and 1. Default 0.5. */
  renewAt?: number
}

/**
 * Keeps one lease alive while work runs: renews it when `renewAt` of the lease has passed, again
 * and again, until stopped. A failed renewal is retried while the lease still holds; a refusal
 * (`renewal_refused`), or the lease's end passing without a successful renewal (`expired`: a timer
 * on the end sees to it, even while no renewal can be sent), reports `lost` and stops.
 *
 * The ends the server announces (`leasedUntil`) are on the store's clock, which may be minutes
 * away from this one, and this one may be stepped meanwhile: they are never compared with
 * `Date.now()`. The server grants exactly the `leaseTime` asked, so the keeper times that length
 * from when the lease began here — when {@link start} is called on receiving it, and when each
 * renewal that extended it was sent (no later than the server extended it).
 *
 * @example
 * ```ts
 * const keeper = new LeaseKeeper({ renew: (ms) => msg.renew(ms), emit: console.log }, { leaseTime: 10_000 })
 * keeper.start()
 * try { await work(msg) } finally { keeper.stop() }
 * ```
 */
export class LeaseKeeper {
  readonly #holder: LeaseHolder
  readonly #leaseTime: number
  readonly #renewAt: number
  #timer: ReturnType<typeof setTimeout> | undefined
  #expiry: ReturnType<typeof setTimeout> | undefined
  /** When the lease ends, on the local clock. */
  #deadline = 0
  #running = false
  #renewing = false
  #lastError: unknown

  constructor(holder: LeaseHolder, options: LeaseKeeperOptions) {
    this.#holder = holder
    this.#leaseTime = options.leaseTime
    this.#renewAt = Math.min(0.95, Math.max(0.05, options.renewAt ?? 0.5))
  }

  /** True between {@link start} and {@link stop} (or a lost lease). */
  get running(): boolean {
    return this.#running
  }

  /** Starts keeping a lease that began now. */
  start(): void {
    if (this.#running) return
    this.#running = true
    this.#deadline = Date.now() + this.#leaseTime
    this.#schedule(this.#leaseTime * this.#renewAt)
    this.#watch()
  }

  /** Stops renewing; an in-flight renewal is ignored when it returns. */
  stop(): void {
    this.#running = false
    clearTimeout(this.#timer)
    clearTimeout(this.#expiry)
    this.#timer = undefined
  }

  /**
   * Renews now rather than at the next turn (after a reconnect: the server may have given the
   * lease back when the old socket closed, and this is the quickest way to learn it).
   */
  renewNow(): void {
    if (!this.#running || this.#renewing) return
    clearTimeout(this.#timer)
    this.#schedule(0)
  }

  #schedule(ms: number): void {
    this.#timer = setTimeout(() => void this.#renew(), Math.max(0, Math.round(ms)))
  }

  /** Arms the timer on the lease's end. */
  #watch(): void {
    clearTimeout(this.#expiry)
    this.#expiry = setTimeout(
      () => this.#lose('expired', this.#lastError),
      Math.max(0, this.#deadline - Date.now()),
    )
  }

  #lose(kind: LeaseLostKind, cause: unknown): void {
    this.stop()
    this.#holder.emit({
      type: 'lost',
      error: new LeaseLostError(kind, cause === undefined ? undefined : { cause }),
    })
  }

  async #renew(): Promise<void> {
    this.#timer = undefined
    this.#renewing = true
    const sentAt = Date.now()
    try {
      const leasedUntil = await this.#holder.renew(this.#leaseTime)
      if (!this.#running) return
      // Counted from when we asked: the server extended the lease no earlier.
      this.#deadline = sentAt + this.#leaseTime
      this.#lastError = undefined
      this.#watch()
      this.#holder.emit({ type: 'renewed', leasedUntil })
      this.#schedule(this.#leaseTime * this.#renewAt)
    } catch (error) {
      if (!this.#running) return
      if (isLeaseGone(error)) {
        this.#lose('renewal_refused', error)
        return
      }
      this.#lastError = error
      this.#holder.emit({ type: 'error', error })
      const left = this.#deadline - Date.now()
      const retryIn = Math.min(1000, Math.max(50, left / 4))
      // A try that would come after the end is pointless: the timer on the end reports the loss.
      if (left > retryIn) this.#schedule(retryIn)
    } finally {
      this.#renewing = false
    }
  }
}
