/**
 * Asks a socket that was just pushed leased messages whether its peer still reads: a ping, which
 * every WebSocket client answers on its own (browsers too, whatever the page is doing). No answer
 * within the grace period means the peer reads nothing at all — its kernel buffers may well have
 * swallowed every pushed frame, so the send buffer never looks congested — and `onSilent` fires,
 * so the leases it holds go back at once instead of at the next missed heartbeat.
 *
 * At most one probe is in flight, and one starts no sooner than half the grace period after the
 * peer's last answer (a push right after a frame from the peer waits that long): a busy socket
 * costs a ping now and then, not one per push.
 */
export class ReaderProbe {
  readonly #ping: () => void
  readonly #graceMs: number
  readonly #onSilent: () => void
  readonly #now: () => number
  #timer: ReturnType<typeof setTimeout> | undefined
  #lastAnswer = Number.NEGATIVE_INFINITY

  constructor(ping: () => void, options: { graceMs: number; now?: () => number }, onSilent: () => void) {
    this.#ping = ping
    this.#graceMs = options.graceMs
    this.#now = options.now ?? (() => Date.now())
    this.#onSilent = onSilent
  }

  /** Messages were pushed: probe now, or once half the grace period has passed since the last answer. */
  pushed(): void {
    if (this.#timer !== undefined) return
    const wait = this.#lastAnswer + this.#graceMs / 2 - this.#now()
    if (wait > 0) this.#arm(wait, () => this.#start())
    else this.#start()
  }

  #start(): void {
    this.#arm(this.#graceMs, () => this.#onSilent())
    this.#ping()
  }

  #arm(ms: number, then: () => void): void {
    this.#timer = setTimeout(() => {
      this.#timer = undefined
      then()
    }, ms)
    ;(this.#timer as { unref?: () => void }).unref?.()
  }

  /** The peer answered (a pong, or any frame): it reads. */
  answered(): void {
    this.#lastAnswer = this.#now()
    clearTimeout(this.#timer)
    this.#timer = undefined
  }

  stop(): void {
    clearTimeout(this.#timer)
    this.#timer = undefined
  }
}
