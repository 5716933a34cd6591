/** Limits of one socket's send buffer. */
export interface BackPressureOptions {
  /** Pause pushing while more than this many bytes wait to be sent. */
  limit: number
  /** How long the buffer may stay over the limit before the socket counts as stuck, ms. */
  graceMs: number
  /** How often to look while congested, ms (ws has no 'drain' event). */
  pollMs?: number
}

/**
 * Watches one socket's send buffer. Over the limit it is congested (the hub pauses pushing to it);
 * back under the limit `onDrain` fires (pushing resumes); over the limit for the whole grace
 * period `onStuck` fires: a peer that takes no data holds its leased messages hostage, so the
 * socket is cut and they go back to the mailbox at once instead of when the heartbeat notices.
 */
export class BackPressure {
  readonly #buffered: () => number
  readonly #o: BackPressureOptions
  readonly #on: { onDrain(): void; onStuck(): void }
  #since = 0
  #timer: ReturnType<typeof setInterval> | undefined

  constructor(
    buffered: () => number,
    options: BackPressureOptions,
    handlers: { onDrain(): void; onStuck(): void },
  ) {
    this.#buffered = buffered
    this.#o = options
    this.#on = handlers
  }

  /** True while over the limit (congested); the first time, starts watching for a drain or a stuck peer. */
  check(): boolean {
    const over = this.#buffered() > this.#o.limit
    if (over && this.#timer === undefined) {
      this.#since = Date.now()
      this.#timer = setInterval(() => this.#look(), this.#o.pollMs ?? 20)
      this.#timer.unref?.()
    }
    return over
  }

  /** Stops watching (the socket closed). */
  stop(): void {
    clearInterval(this.#timer)
    this.#timer = undefined
  }

  #look(): void {
    if (this.#buffered() <= this.#o.limit) {
      this.stop()
      this.#on.onDrain()
    } else if (Date.now() - this.#since >= this.#o.graceMs) {
      this.stop()
      this.#on.onStuck()
    }
  }
}
