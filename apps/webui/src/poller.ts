/** What a {@link Poller} needs of the page: whether it is visible, and word when it becomes so. */
export interface PageVisibility {
  visible(): boolean
  /** Calls `listener` when the page becomes visible; returns what stops that. */
  onVisible(listener: () => void): () => void
}

/** The browser page's visibility (`document.visibilityState`). */
export const documentVisibility: PageVisibility = {
  visible: () => document.visibilityState === 'visible',
  onVisible(listener) {
    const onChange = () => {
      if (document.visibilityState === 'visible') listener()
    }
    document.addEventListener('visibilitychange', onChange)
    return () => document.removeEventListener('visibilitychange', onChange)
  },
}

/**
 * Runs a task now and then every `intervalMs` while the page is visible, and at once when it
 * becomes visible again. Runs never overlap: one asked for while another is under way follows it.
 * With `intervalMs` null it does not poll: it runs when started, on becoming visible, and when
 * asked ({@link run}).
 *
 * Changing the interval ({@link setInterval}) does not start the task over: going to null (a live
 * stream took over, and its resync refreshes) runs nothing; coming back from null (the stream went
 * away, and with it word of what changed) runs once; one number for another only moves the timer.
 *
 * @example
 * ```ts
 * const poller = new Poller(async () => render(await client.mailboxes()), 2000, documentVisibility)
 * poller.start()
 * // later
 * poller.stop()
 * ```
 */
export class Poller {
  readonly #task: () => Promise<void>
  readonly #page: PageVisibility
  #intervalMs: number | null
  #stopVisible: (() => void) | undefined
  #started = false
  #stopped = false
  #running = false
  #again = false
  #timer: ReturnType<typeof setTimeout> | undefined

  constructor(task: () => Promise<void>, intervalMs: number | null, page: PageVisibility) {
    this.#task = task
    this.#intervalMs = intervalMs
    this.#page = page
  }

  /** Runs the task now and keeps polling (or waiting to be asked) until {@link stop}. */
  start(): void {
    if (this.#started || this.#stopped) return
    this.#started = true
    this.#stopVisible = this.#page.onVisible(() => this.run())
    this.run()
  }

  /** Runs the task right away (after it finishes, if it is running). */
  run(): void {
    if (!this.#started || this.#stopped) return
    if (this.#running) {
      this.#again = true
      return
    }
    void this.#runNow()
  }

  /** Changes how often it polls (null: not at all); see the class for what runs then. */
  setInterval(intervalMs: number | null): void {
    const before = this.#intervalMs
    if (intervalMs === before) return
    this.#intervalMs = intervalMs
    clearTimeout(this.#timer)
    this.#timer = undefined
    if (intervalMs === null) return
    if (before === null) this.run()
    else if (!this.#running) this.#schedule()
  }

  stop(): void {
    this.#stopped = true
    clearTimeout(this.#timer)
    this.#stopVisible?.()
  }

  async #runNow(): Promise<void> {
    clearTimeout(this.#timer)
    this.#timer = undefined
    this.#running = true
    try {
      await this.#task()
    } catch {
      // The task reports its own errors; polling carries on so the view recovers by itself.
    } finally {
      this.#running = false
    }
    if (this.#stopped) return
    if (this.#again) {
      this.#again = false
      this.run()
      return
    }
    this.#schedule()
  }

  #schedule(): void {
    // A hidden tab stops polling; becoming visible starts it again at once.
    if (this.#intervalMs !== null && this.#page.visible())
      this.#timer = setTimeout(() => this.run(), this.#intervalMs)
  }
}
