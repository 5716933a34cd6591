import { Status, type StatusCode, type Store } from '@pandora/core'
import { Counter, Gauge, Histogram, Registry } from 'prom-client'

/**
 * The server's Prometheus metrics, in a registry of its own (so several servers in one process,
 * as in tests, do not collide). Per-mailbox gauges are read from the store when scraped.
 */
export class Metrics {
  readonly registry = new Registry()
  readonly sent: Counter
  readonly acked: Counter
  readonly rejected: Counter
  readonly expired: Counter
  readonly pushed: Counter
  readonly requestDuration: Histogram<'method' | 'route' | 'status'>

  constructor(store: Store, subscribers: () => number) {
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
      name: 'pandora_mailbox_messages',
      help: 'Messages per mailbox and state (pending, leased, delayed, dead, confirmed)',
      labelNames: ['mailbox', 'state'],
      registers,
      async collect() {
        this.reset()
        for (const s of await store.mailboxes()) {
          for (const state of ['pending', 'leased', 'delayed', 'dead', 'confirmed'] as const) {
            this.set({ mailbox: s.receiver, state }, s[state])
          }
        }
      },
    })
  }

  /** Counts leased messages handed out (fetched or pushed) that came back from an expired lease. */
  delivered(messages: readonly { status: StatusCode }[]): void {
    const expired = messages.filter((m) => m.status === Status.timeout).length
    if (expired > 0) this.expired.inc(expired)
  }
}
