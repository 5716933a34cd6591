import { type MailboxStats, WATCH_MAX_MIDS, type WatchEvent } from '@pandora/core'
import type { WatchTarget, WatchUpdate } from './watch-hub.js'

/** What a {@link SocketWatch} needs of its socket. */
export interface WatchOutlet {
  /** True while the socket's send buffer is over its limit: hold updates back. */
  readonly congested: boolean
  /** Writes one `changes` frame. */
  send(update: WatchUpdate): void
}

/**
 * One socket's `watch`: takes the hub's updates and writes them as `changes` frames. While the
 * socket is congested (or the `watching` reply is not out yet) updates are merged instead —
 * the latest counts per mailbox, the events per mailbox and kind with their mids capped — so a
 * slow admin socket holds at most one entry per mailbox and kind, never a queue of frames; the
 * socket's back-pressure rules cut it if it stays stuck.
 */
export class SocketWatch implements WatchTarget {
  readonly #outlet: WatchOutlet
  readonly #counts = new Map<string, MailboxStats>()
  /** Keyed by kind and mailbox; a Map, since mailbox names are user-chosen. */
  readonly #events = new Map<string, WatchEvent>()
  #held = true

  constructor(
    readonly receiver: string | undefined,
    outlet: WatchOutlet,
  ) {
    this.#outlet = outlet
  }

  deliver(update: WatchUpdate): void {
    // A socket that keeps up gets the hub's update as it is: nothing to merge it with, so no copy
    // (the hub builds each update afresh and changes none after delivering it).
    if (!this.#held && this.#counts.size === 0 && this.#events.size === 0 && !this.#outlet.congested) {
      this.#outlet.send(update)
      return
    }
    // Merged into what is held; events are copied first, since merging changes them.
    for (const m of update.mailboxes) this.#counts.set(m.receiver, m)
    for (const e of update.events) {
      const key = `${e.kind} ${e.receiver}`
      const before = this.#events.get(key)
      if (!before) this.#events.set(key, { ...e, mids: [...e.mids] })
      else {
        before.count += e.count
        before.mids.push(...e.mids.slice(0, Math.max(0, WATCH_MAX_MIDS - before.mids.length)))
      }
    }
    this.flush()
  }

  /** The `watching` reply is out: updates may follow it. */
  release(): void {
    this.#held = false
    this.flush()
  }

  /** Writes what is held, unless the socket is still congested. */
  flush(): void {
    if (this.#held || (this.#counts.size === 0 && this.#events.size === 0) || this.#outlet.congested) return
    const update = { mailboxes: [...this.#counts.values()], events: [...this.#events.values()] }
    this.#counts.clear()
    this.#events.clear()
    this.#outlet.send(update)
  }
}
