/** What a {@link Heartbeat} does on each beat and when the peer fell silent. */
export interface HeartbeatOptions {
  /** Time between pings, in ms. */
  interval: number
  /** Sends a ping; a failure is ignored (a missing pong shows up as silence). */
  ping(): Promise<unknown>
  /** The peer sent nothing for more than two intervals: the socket must be treated as gone. */
  onSilence(): void
  /** The clock, in ms. Default `Date.now`. */
  now?: () => number
}

/**
 * Detects a dead peer: pings every `interval` ms and, when nothing at all arrived for more than
 * two intervals, calls `onSilence` once and stops. Call {@link alive} on every frame received.
 *
 * @example
 * ```ts
 * const heartbeat = new Heartbeat({ interval: 20_000, ping: () => request({ type: 'ping' }), onSilence: drop })
 * transport.onFrame = (data) => { heartbeat.alive(); handle(data) }
 * // ...
 * heartbeat.stop()
 * ```
 */
export class Heartbeat {
  readonly #options: HeartbeatOptions
  readonly #now: () => number
  #lastFrameAt: number
  #timer: ReturnType<typeof setInterval> | undefined
  /** When the first ping since the last frame went out; undefined: none is waiting for an answer. */
  #pingedAt: number | undefined

  /** Starts beating at once. */
  constructor(options: HeartbeatOptions) {
    this.#options = options
    this.#now = options.now ?? Date.now
    this.#lastFrameAt = this.#now()
    this.#timer = setInterval(() => this.#beat(), options.interval)
  }

  /** A frame arrived: the peer is alive. */
  alive(): void {
    this.#lastFrameAt = this.#now()
    this.#pingedAt = undefined
  }

  /** Stops the pings and the silence check. Safe to call twice. */
  stop(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer)
    this.#timer = undefined
  }

  #beat(): void {
    const now = this.#now()
    const { interval } = this.#options
    // Only a ping left unanswered for an interval proves the peer silent. After a stalled event loop
    // (a suspended laptop, a long pause) the timer fires late and would otherwise condemn a peer
    // that was never asked: it gets a ping and one interval to answer first.
    const asked = this.#pingedAt !== undefined && now - this.#pingedAt >= interval
    if (asked && now - this.#lastFrameAt > 2 * interval) {
      this.stop()
      this.#options.onSilence()
      return
    }
    this.#pingedAt ??= now
    this.#options.ping().catch(() => {
      // A missing pong shows up as silence, which the check above handles.
    })
  }
}
