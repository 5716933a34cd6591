import {
  type MailboxStats,
  type Store,
  WATCH_MAX_MIDS,
  type WatchEvent,
  type WatchEventKind,
} from '@pandora/core'
import type { ChangeSink } from './observed-store.js'

/** What changed since the last update: the latest counts of the mailboxes concerned, and events. */
export interface WatchUpdate {
  mailboxes: MailboxStats[]
  events: WatchEvent[]
}

/** One watcher (an admin socket's `watch`): every mailbox, or one. */
export interface WatchTarget {
  /** The one mailbox watched, or undefined for every mailbox. */
  readonly receiver: string | undefined
  /** Takes an update; called at most once per window. */
  deliver(update: WatchUpdate): void
}

/** Settings of a {@link WatchHub}. */
export interface WatchHubOptions {
  /** The coalescing window: at most one update per this many ms (default 100). */
  windowMs?: number
  /**
   * Every this many ms while someone watches, every watched mailbox is counted again (default
   * 2000): that is how changes no signal announces show — a lease or a delay running out, and
   * fetches and acks made through other instances sharing the store.
   */
  resyncMs?: number
  onError?: (error: unknown) => void
}

/** Above this many changed mailboxes in one window, one `mailboxes()` costs less than that many `stats`. */
const COUNT_ALL_ABOVE = 32
/** An ack of an unknown lease asks for a full recount, but not more often than this, ms. */
const UNATTRIBUTED_GAP_MS = 1000

interface Pending {
  count: number
  mids: string[]
}

/**
 * The admin event stream's source: gathers what changed (from the {@link observeStore} wrapper —
 * every store call this server makes — and from the store's availability signal, which crosses
 * processes on a shared store), and once per window counts the changed mailboxes again with the
 * store's own `stats` / `mailboxes` (off the event loop on SQLite), then hands each watcher the
 * counts and events within its scope. Counting happens once per window for all watchers, only for
 * changed mailboxes that someone watches; nothing is gathered while nobody watches.
 *
 * @example
 * ```ts
 * const watches = new WatchHub(store)
 * const observed = observeStore(store, watches) // the server uses `observed` for everything
 * const snapshot = await watches.watch({ receiver: undefined, deliver: (u) => console.log(u) })
 * ```
 */
export class WatchHub implements ChangeSink {
  readonly #store: Store
  readonly #windowMs: number
  readonly #resyncMs: number
  readonly #onError: (error: unknown) => void
  readonly #targets = new Set<WatchTarget>()
  readonly #offAvailable: () => void
  /** Changes of this window: mailbox → kind → what. */
  #dirty = new Map<string, Map<WatchEventKind, Pending>>()
  /** Count every watched mailbox at the next flush. */
  #full = false
  /** The counts last handed out, to leave unchanged mailboxes out of a recount's update. */
  readonly #known = new Map<string, MailboxStats>()
  #timer: ReturnType<typeof setTimeout> | undefined
  #resync: ReturnType<typeof setInterval> | undefined
  #soon: ReturnType<typeof setTimeout> | undefined
  #flushing = false
  #lastFlush = Number.NEGATIVE_INFINITY
  #lastFull = Number.NEGATIVE_INFINITY
  #closed = false

  constructor(store: Store, options: WatchHubOptions = {}) {
    this.#store = store
    this.#windowMs = options.windowMs ?? 100
    this.#resyncMs = options.resyncMs ?? 2000
    this.#onError = options.onError ?? (() => {})
    this.#offAvailable = store.onAvailable((receiver) => this.#mark(receiver))
  }

  get active(): boolean {
    return this.#targets.size > 0 && !this.#closed
  }

  /** Number of watchers, for tests and metrics. */
  get size(): number {
    return this.#targets.size
  }

  /**
   * Starts handing `target` updates and resolves with the counts as it starts: every mailbox that
   * holds a message, or its one mailbox. Updates may reach the target before the snapshot resolves.
   */
  async watch(target: WatchTarget): Promise<MailboxStats[]> {
    if (this.#closed) return []
    this.#targets.add(target)
    if (this.#resync === undefined) {
      this.#resync = setInterval(() => {
        this.#full = true
        this.#schedule()
      }, this.#resyncMs)
      this.#resync.unref?.()
    }
    const first = this.#targets.size === 1
    const snapshot =
      target.receiver === undefined
        ? await this.#store.mailboxes()
        : [await this.#store.stats(target.receiver)]
    // The first watcher has seen these counts: a recount that finds them unchanged need not repeat them.
    if (first && this.#targets.has(target))
      for (const s of snapshot)
        if (!this.#known.has(s.receiver) && !isEmpty(s)) this.#known.set(s.receiver, s)
    return snapshot
  }

  /** Stops handing `target` updates; the last watcher gone, everything gathered is dropped. */
  unwatch(target: WatchTarget): void {
    this.#targets.delete(target)
    if (this.#targets.size === 0) this.#idle()
  }

  changed(receiver: string, kind: WatchEventKind, mids: readonly string[], count = mids.length): void {
    if (!this.active) return
    const kinds = this.#mark(receiver)
    if (!kinds) return
    let pending = kinds.get(kind)
    if (!pending) {
      pending = { count: 0, mids: [] }
      kinds.set(kind, pending)
    }
    pending.count += count
    for (const mid of mids) {
      if (pending.mids.length >= WATCH_MAX_MIDS) break
      pending.mids.push(mid)
    }
  }

  unattributed(): void {
    if (!this.active || this.#soon !== undefined) return
    this.#soon = setTimeout(
      () => {
        this.#soon = undefined
        this.#full = true
        this.#schedule()
      },
      Math.max(0, this.#lastFull + UNATTRIBUTED_GAP_MS - Date.now()),
    )
    this.#soon.unref?.()
  }

  /** Stops every timer and drops every watcher. */
  close(): void {
    this.#closed = true
    this.#offAvailable()
    this.#targets.clear()
    this.#idle()
  }

  #idle(): void {
    clearTimeout(this.#timer)
    clearTimeout(this.#soon)
    clearInterval(this.#resync)
    this.#timer = this.#soon = this.#resync = undefined
    this.#dirty = new Map()
    this.#known.clear()
    this.#full = false
  }

  /** Notes that `receiver` changed, if anyone watches it; returns its changes of this window. */
  #mark(receiver: string): Map<WatchEventKind, Pending> | undefined {
    // Marked already in this window (a local send arrives twice: as a change and as a signal).
    const marked = this.#dirty.get(receiver)
    if (marked) return marked
    if (!this.active || !this.#watched(receiver)) return undefined
    const kinds = new Map<WatchEventKind, Pending>()
    this.#dirty.set(receiver, kinds)
    this.#schedule()
    return kinds
  }

  #watched(receiver: string): boolean {
    for (const t of this.#targets) if (t.receiver === undefined || t.receiver === receiver) return true
    return false
  }

  /** Flushes at the end of the current window (at once when the last flush is a window old). */
  #schedule(): void {
    if (this.#timer !== undefined || this.#flushing || this.#closed) return
    const wait = Math.min(this.#windowMs, Math.max(0, this.#lastFlush + this.#windowMs - Date.now()))
    this.#timer = setTimeout(() => {
      this.#timer = undefined
      void this.#flush()
    }, wait)
    this.#timer.unref?.()
  }

  async #flush(): Promise<void> {
    if (!this.active) return
    const dirty = this.#dirty
    const full = this.#full
    this.#dirty = new Map()
    this.#full = false
    this.#flushing = true
    this.#lastFlush = Date.now()
    if (full) this.#lastFull = this.#lastFlush
    try {
      const counts = await this.#count(full, [...dirty.keys()])
      if (!this.active) return
      const mailboxes: MailboxStats[] = []
      for (const stats of counts) {
        const before = this.#known.get(stats.receiver)
        if (before !== undefined && sameCounts(before, stats) && !dirty.has(stats.receiver)) continue
        if (before === undefined && isEmpty(stats) && !dirty.has(stats.receiver)) continue
        mailboxes.push(stats)
        if (isEmpty(stats)) this.#known.delete(stats.receiver)
        else this.#known.set(stats.receiver, stats)
      }
      const events: WatchEvent[] = []
      for (const [receiver, kinds] of dirty)
        for (const [kind, p] of kinds) events.push({ receiver, kind, count: p.count, mids: p.mids })
      if (mailboxes.length === 0 && events.length === 0) return
      for (const target of this.#targets) {
        const update =
          target.receiver === undefined
            ? { mailboxes, events }
            : {
                mailboxes: mailboxes.filter((m) => m.receiver === target.receiver),
                events: events.filter((e) => e.receiver === target.receiver),
              }
        if (update.mailboxes.length > 0 || update.events.length > 0) target.deliver(update)
      }
    } catch (error) {
      // A store hiccup must not stall the stream: count everything again at the next window.
      this.#onError(error)
      this.#full = true
    } finally {
      this.#flushing = false
      if (this.#dirty.size > 0 || this.#full) this.#schedule()
    }
  }

  /** Counts `changed` (every watched mailbox when `full`), each once, with the store's own counts. */
  async #count(full: boolean, changed: string[]): Promise<MailboxStats[]> {
    const everyMailbox = [...this.#targets].some((t) => t.receiver === undefined)
    if (everyMailbox && (full || changed.length > COUNT_ALL_ABOVE)) {
      const all = await this.#store.mailboxes()
      // Mailboxes emptied since the last count are not listed: they are zero now.
      const listed = new Set(all.map((m) => m.receiver))
      const gone = [...this.#known.keys(), ...changed].filter((r) => !listed.has(r))
      return [...all, ...[...new Set(gone)].map(zeroStats)]
    }
    const receivers = new Set(changed)
    if (full) for (const t of this.#targets) if (t.receiver !== undefined) receivers.add(t.receiver)
    return Promise.all([...receivers].map((r) => this.#store.stats(r)))
  }
}

function sameCounts(a: MailboxStats, b: MailboxStats): boolean {
  return (
    a.pending === b.pending &&
    a.leased === b.leased &&
    a.delayed === b.delayed &&
    a.dead === b.dead &&
    a.confirmed === b.confirmed
  )
}

function isEmpty(s: MailboxStats): boolean {
  return s.pending + s.leased + s.delayed + s.dead + s.confirmed === 0
}

function zeroStats(receiver: string): MailboxStats {
  return { receiver, pending: 0, leased: 0, delayed: 0, dead: 0, confirmed: 0 }
}
