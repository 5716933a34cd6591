import { PandoraError } from '@pandora/core/protocol'

/** What a {@link LeaseKeeper} reports. */
export type LeaseKeeperEvent =
  /** The lease was extended. */
  | { type: 'renewed'; leasedUntil: Date }
  /** A renewal failed but the lease still holds locally; the keeper tries again. */
  | { type: 'error'; error: unknown }
  /** The lease is gone (the server refused, or it ran out before a renewal got through); the keeper stopped. */
  | { type: 'lost'; error: unknown }

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

// Server refusals that mean the lid is no longer ours: retrying cannot help.
const FINAL_CODES = new Set(['unable_to_change_status', 'not_found', 'invalid_key'])

/**
 * Keeps one lease alive while work runs: renews it when `renewAt` of the lease has passed, again
 * and again, until stopped. Times are measured on the local clock from when the lease began, so a
 * skewed server clock cannot make it late. A failed renewal is retried while the lease still holds;
 * a refusal, or running out of time, reports `lost` and stops.
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
  #deadline = 0
  #running = false

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
  }

  /** Stops renewing; an in-flight renewal is ignored when it returns. */
  stop(): void {
    this.#running = false
    if (this.#timer !== undefined) clearTimeout(this.#timer)
    this.#timer = undefined
  }

  #schedule(ms: number): void {
    this.#timer = setTimeout(() => void this.#renew(), Math.max(0, Math.round(ms)))
  }

  async #renew(): Promise<void> {
    this.#timer = undefined
    const sentAt = Date.now()
    try {
      const leasedUntil = await this.#holder.renew(this.#leaseTime)
      if (!this.#running) return
      // The new lease started no later than when we asked: count from then, to err on the safe side.
      this.#deadline = sentAt + this.#leaseTime
      this.#holder.emit({ type: 'renewed', leasedUntil })
      this.#schedule(this.#leaseTime * this.#renewAt)
    } catch (error) {
      if (!this.#running) return
      const left = this.#deadline - Date.now()
      const retryIn = Math.min(1000, Math.max(50, left / 4))
      if ((error instanceof PandoraError && FINAL_CODES.has(error.code)) || left <= retryIn) {
        this.stop()
        this.#holder.emit({ type: 'lost', error })
        return
      }
      this.#holder.emit({ type: 'error', error })
      this.#schedule(retryIn)
    }
  }
}
