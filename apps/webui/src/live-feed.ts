import type { MailboxStats, PandoraClient, WatchChange, WatchState } from '@pandora/client'

/**
 * How the console learns about changes: `live` (the server's admin event stream: nothing is
 * polled), `polling` (the stream was refused or the socket is away: the views poll as before), or
 * `connecting` (polling too, until the stream answers).
 */
export type FeedMode = 'connecting' | 'live' | 'polling'

/** Why the console polls, for the indicator's tooltip. */
export interface FeedStatus {
  mode: FeedMode
  reason?: string
}

/** One change of the stream, as the views ask about it. */
export interface LiveChange {
  /** The stream (re)started: anything may have changed while it was away. */
  resync: boolean
  /** Mailboxes whose counts or messages changed. */
  receivers: ReadonlySet<string>
  /** Messages the events named. */
  mids: ReadonlySet<string>
  /**
   * Mailboxes that changed in ways the events do not name message by message: a purge, more
   * mids than the frame lists, or counts that moved by themselves (a lease or a delay ran out).
   */
  unnamed: ReadonlySet<string>
}

/**
 * Applies a change of the stream to the mailbox counts: a snapshot replaces them, a change
 * updates the mailboxes it lists (a mailbox whose counts all reached 0 leaves the list, as
 * `GET /v1/mailboxes` leaves it out). Sorted by name.
 */
export function applyCounts(current: readonly MailboxStats[], change: WatchChange): MailboxStats[] {
  const byName = new Map<string, MailboxStats>()
  if (!change.snapshot) for (const m of current) byName.set(m.receiver, m)
  for (const m of change.mailboxes) {
    if (m.pending + m.leased + m.delayed + m.dead + m.confirmed === 0) byName.delete(m.receiver)
    else byName.set(m.receiver, m)
  }
  return [...byName.values()].sort((a, b) => a.receiver.localeCompare(b.receiver))
}

/** What a change means for the views (see {@link LiveChange}). */
export function describeChange(change: WatchChange): LiveChange {
  const receivers = new Set<string>()
  const mids = new Set<string>()
  const unnamed = new Set<string>()
  for (const m of change.mailboxes) receivers.add(m.receiver)
  for (const e of change.events) {
    receivers.add(e.receiver)
    for (const mid of e.mids) mids.add(mid)
    if (e.mids.length < e.count) unnamed.add(e.receiver)
  }
  const named = new Set(change.events.map((e) => e.receiver))
  for (const m of change.mailboxes) if (!named.has(m.receiver)) unnamed.add(m.receiver)
  return { resync: change.snapshot, receivers, mids, unnamed }
}

/** What the console does with a watch state. */
function statusOf(state: WatchState, error: { message: string } | undefined): FeedStatus {
  switch (state) {
    case 'live':
      return { mode: 'live' }
    case 'connecting':
      return { mode: 'connecting' }
    case 'refused':
      return {
        mode: 'polling',
        reason: `the server refused the live stream${error ? ` (${error.message})` : ''}`,
      }
    default:
      return { mode: 'polling', reason: 'the live connection dropped; reconnecting' }
  }
}

/**
 * The console's subscription to the server's admin event stream (`client.watch`): keeps the
 * mailbox counts, tells the views what changed, and says whether they must poll meanwhile. One
 * per signed-in shell. Creating one opens nothing (so a render may create and drop one freely);
 * {@link open} starts the stream and {@link close} stops it, from an effect and its cleanup, as
 * often as the effect runs. Listeners stay until they unsubscribe.
 *
 * @example
 * ```ts
 * const feed = new LiveFeed(client)
 * feed.onStatus((s) => console.log(s.mode))
 * feed.onChange((c) => c.receivers.has('orders@shop') && reload())
 * feed.open()
 * // later
 * feed.close()
 * ```
 */
export class LiveFeed {
  readonly #client: PandoraClient
  /** The open watch; callbacks of an earlier one (closed since) are ignored. */
  #watch: { close(): Promise<void> } | undefined
  #opened: object | undefined
  readonly #changeListeners = new Set<(change: LiveChange) => void>()
  readonly #countListeners = new Set<(mailboxes: readonly MailboxStats[]) => void>()
  readonly #statusListeners = new Set<(status: FeedStatus) => void>()
  #status: FeedStatus = { mode: 'connecting' }
  #counts: readonly MailboxStats[] | undefined

  constructor(client: PandoraClient) {
    this.#client = client
  }

  get status(): FeedStatus {
    return this.#status
  }

  /** The latest counts the stream gave, or undefined before its first snapshot. */
  get counts(): readonly MailboxStats[] | undefined {
    return this.#counts
  }

  /** Starts the stream, unless it is open already. */
  open(): void {
    if (this.#opened) return
    const opened = {}
    this.#opened = opened
    this.#setStatus({ mode: 'connecting' })
    try {
      this.#watch = this.#client.watch(
        (change) => {
          if (this.#opened === opened) this.#apply(change)
        },
        {
          onState: (state, error) => {
            if (this.#opened === opened) this.#setStatus(statusOf(state, error))
          },
        },
      )
    } catch (error) {
      this.#setStatus(statusOf('refused', error instanceof Error ? error : undefined))
    }
  }

  onChange(listener: (change: LiveChange) => void): () => void {
    this.#changeListeners.add(listener)
    return () => this.#changeListeners.delete(listener)
  }

  onCounts(listener: (mailboxes: readonly MailboxStats[]) => void): () => void {
    this.#countListeners.add(listener)
    return () => this.#countListeners.delete(listener)
  }

  onStatus(listener: (status: FeedStatus) => void): () => void {
    this.#statusListeners.add(listener)
    return () => this.#statusListeners.delete(listener)
  }

  /** Stops the stream (a later {@link open} starts it again). */
  close(): void {
    const watch = this.#watch
    this.#watch = undefined
    this.#opened = undefined
    void watch?.close()
  }

  #apply(change: WatchChange): void {
    this.#counts = applyCounts(this.#counts ?? [], change)
    for (const listener of this.#countListeners) listener(this.#counts)
    const described = describeChange(change)
    for (const listener of this.#changeListeners) listener(described)
  }

  #setStatus(status: FeedStatus): void {
    if (status.mode === this.#status.mode && status.reason === this.#status.reason) return
    this.#status = status
    for (const listener of this.#statusListeners) listener(status)
  }
}
