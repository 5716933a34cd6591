import type { FeedStatus, LiveChange } from './live-feed.js'
import { type PageVisibility, Poller } from './poller.js'

/** What a {@link LiveTask} needs of the console's live feed. */
export interface FeedSource {
  readonly status: FeedStatus
  onStatus(listener: (status: FeedStatus) => void): () => void
  onChange(listener: (change: LiveChange) => void): () => void
}

/**
 * Keeps one view's data up to date: while the live feed is up, `task` runs when a change the view
 * `wants` arrives (and never on a timer); while it is down or refused, it polls every `intervalMs`.
 * A switch between the two costs one run: going live, the feed's resync (if the view wants it);
 * going back to polling, one run at once to catch up on what the stream could no longer tell.
 *
 * @example
 * ```ts
 * const task = new LiveTask(feed, load, 1500, (c) => c.resync || c.receivers.has(box), documentVisibility)
 * task.start()
 * ```
 */
export class LiveTask {
  readonly #feed: FeedSource
  readonly #poller: Poller
  readonly #intervalMs: number
  readonly #wants: (change: LiveChange) => boolean
  readonly #page: PageVisibility
  #unsubscribe: (() => void)[] = []

  constructor(
    feed: FeedSource,
    task: () => Promise<void>,
    intervalMs: number,
    wants: (change: LiveChange) => boolean,
    page: PageVisibility,
  ) {
    this.#feed = feed
    this.#intervalMs = intervalMs
    this.#wants = wants
    this.#page = page
    this.#poller = new Poller(task, this.#intervalFor(feed.status), page)
  }

  /** Runs the task now, then follows the feed until {@link stop}. */
  start(): void {
    this.#unsubscribe = [
      this.#feed.onStatus((status) => this.#poller.setInterval(this.#intervalFor(status))),
      this.#feed.onChange((change) => {
        // A hidden tab catches up when it becomes visible again (the poller runs then).
        if (this.#page.visible() && this.#wants(change)) this.#poller.run()
      }),
    ]
    // The status may have moved between construction and now.
    this.#poller.setInterval(this.#intervalFor(this.#feed.status))
    this.#poller.start()
  }

  /** Runs the task right away (after a user's action). */
  run(): void {
    this.#poller.run()
  }

  stop(): void {
    for (const unsubscribe of this.#unsubscribe.splice(0)) unsubscribe()
    this.#poller.stop()
  }

  #intervalFor(status: FeedStatus): number | null {
    return status.mode === 'live' ? null : this.#intervalMs
  }
}
