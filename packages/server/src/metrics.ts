import {
  type MailboxStats,
  type MailboxTotals,
  Status,
  type StatusCode,
  type Store,
  type WriteStats,
} from '@pandora/core'
import { Counter, type CounterConfiguration, Gauge, Histogram, Registry } from 'prom-client'

const STATES = ['pending', 'leased', 'delayed', 'dead', 'confirmed'] as const

/**
 * The server's Prometheus metrics, in a registry of its own (so several servers in one process,
 * as in tests, do not collide). Message counts are read from the store when scraped, once per
 * scrape however many gauges use them.
 */
export class Metrics {
  readonly registry = new Registry()
  readonly sent: Counter
  readonly acked: Counter
  readonly rejected: Counter
  readonly expired: Counter
  readonly pushed: Counter
  readonly requestDuration: Histogram<'method' | 'route' | 'status'>

  constructor(store: Store, subscribers: () => number, watchers: () => number = () => 0) {
    const registers = [this.registry]
    this.sent = new Counter({
      name: 'pandora_messages_sent_total',
      help: 'Messages stored (duplicates excluded)',
      registers,
    })
    this.acked = new Counter({ name: 'pandora_messages_acked_total', help: 'Messages confirmed', registers })
    this.rejected = new Counter({
      name: 'pandora_messages_rejected_total',
      help: 'Messages rejected or given back',
      registers,
    })
    this.expired = new Counter({
      name: 'pandora_leases_expired_total',
      help: 'Messages delivered again after their lease expired',
      registers,
    })
    this.pushed = new Counter({
      name: 'pandora_messages_pushed_total',
      help: 'Messages pushed over WebSocket',
      registers,
    })
    this.requestDuration = new Histogram({
      name: 'pandora_http_request_duration_seconds',
      help: 'HTTP request latency',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers,
    })
    new Gauge({
      name: 'pandora_subscribers_connected',
      help: 'WebSocket subscriptions attached',
      registers,
      collect() {
        this.set(subscribers())
      },
    })
    new Gauge({
      name: 'pandora_watchers_connected',
      help: 'Admin sockets watching the event stream',
      registers,
      collect() {
        this.set(watchers())
      },
    })
    // Totals by state, not per mailbox: label sets stay bounded however many mailboxes there are
    // (per-mailbox counts are in GET /v1/mailboxes). The store reads the counts off the event loop
    // where it can (SQLite: on its read worker; PostgreSQL: in the database).
    // One read per scrape, shared by both gauges: the store's own totals where it has them (SQLite
    // adds them up on its worker), else the sum of every mailbox's counts.
    let reading: Promise<MailboxTotals> | undefined
    const latest = () => {
      reading ??= (store.totals ? store.totals() : store.mailboxes().then(sumOf)).finally(() => {
        reading = undefined
      })
      return reading
    }
    new Gauge({
      name: 'pandora_messages',
      help: 'Messages in every mailbox by state (pending, leased, delayed, dead, confirmed)',
      labelNames: ['state'],
      registers,
      async collect() {
        const totals = await latest()
        for (const state of STATES) this.set({ state }, totals[state])
      },
    })
    // Group commit at work: writes per commit and durable writes per fsync, where the store counts them.
    const writeStats = store.writeStats?.bind(store)
    if (writeStats) {
      const counted = (name: string, help: string, read: (s: WriteStats) => number) =>
        new StoreCounter({ name, help, registers }, () => read(writeStats()))
      counted('pandora_store_commits_total', 'Store transactions committed (group commits)', (s) => s.commits)
      counted(
        'pandora_store_fsyncs_total',
        'fsyncs of the store log before answering durable writes',
        (s) => s.fsyncs,
      )
      counted(
        'pandora_store_durable_writes_total',
        'Durable writes (sends, redrives, purges) covered by those fsyncs',
        (s) => s.durableWrites,
      )
    }
    new Gauge({
      name: 'pandora_mailboxes',
      help: 'Mailboxes holding at least one message',
      registers,
      async collect() {
        this.set((await latest()).mailboxes)
      },
    })
  }

  /** Counts leased messages handed out (fetched or pushed) that came back from an expired lease. */
  delivered(messages: readonly { status: StatusCode }[]): void {
    const expired = messages.filter((m) => m.status === Status.timeout).length
    if (expired > 0) this.expired.inc(expired)
  }
}

/**
 * A counter kept by someone else (the store counts its own commits): each scrape reports the value
 * read then, as a counter, instead of resetting this one and counting it up again.
 */
class StoreCounter extends Counter {
  readonly #read: () => number

  constructor(configuration: CounterConfiguration<string>, read: () => number) {
    super(configuration)
    this.#read = read
  }

  override async get(): ReturnType<Counter['get']> {
    return { ...(await super.get()), values: [{ value: this.#read(), labels: {} }] }
  }
}

/** Totals of a list of mailboxes' counts, for stores without {@link Store.totals}. */
function sumOf(list: readonly MailboxStats[]): MailboxTotals {
  const totals = { mailboxes: 0, pending: 0, leased: 0, delayed: 0, dead: 0, confirmed: 0 }
  for (const s of list) {
    totals.mailboxes++
    for (const state of STATES) totals[state] += s[state]
  }
  return totals
}
