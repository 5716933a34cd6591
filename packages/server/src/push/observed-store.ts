import { PandoraError, Status, type Store, type WatchEventKind } from '@pandora/core'

/** Where an {@link observeStore} reports what the store did. */
export interface ChangeSink {
  /** False while nobody listens: the observed store then skips even its bookkeeping. */
  readonly active: boolean
  /** `count` messages of `receiver` changed this way; `mids` lists those known (may be fewer). */
  changed(receiver: string, kind: WatchEventKind, mids: readonly string[], count?: number): void
  /** A lease ended whose mailbox this process did not see leased: only a recount can tell. */
  unattributed(): void
}

/** Most leases whose mailbox the observed store remembers (the oldest are forgotten first). */
const TRACKED_LEASES = 100_000

const kindOf = (status: number) => (status === Status.confirmed ? 'acked' : 'rejected')

/** A store method the observer wraps. */
type Wrapped = 'send' | 'sendBatch' | 'sendMany' | 'fetch' | 'ack' | 'ackMany' | 'redrive' | 'purge'

/**
 * The store as the server uses it, telling `sink` about every change it makes: sends, leases (a
 * fetch or a push), acks and rejects (a lease given back is a reject), redrives and purges, with
 * their mids. Every HTTP route and socket of the server goes through it, so no path is missed;
 * other stores' and processes' changes reach the watch hub by the availability signal and its
 * periodic recount instead. An ack names a mid and a lid, not a mailbox: the mailbox comes from the
 * lease this process handed out (remembered while someone watches), else the sink hears
 * {@link ChangeSink.unattributed}.
 *
 * Everything not wrapped here is the store's own method, bound to it, so a store method added
 * later passes through unchanged.
 *
 * @example
 * ```ts
 * const observed = observeStore(store, watchHub)
 * await observed.send({ receiver: 'a@x', sender: 'b@x', fields: { k: ['v'] } }) // watchHub hears 'sent'
 * ```
 */
export function observeStore(store: Store, sink: ChangeSink): Store {
  const leaseOwners = new Map<string, string>()
  const remember = (mid: string, receiver: string) => {
    if (leaseOwners.size >= TRACKED_LEASES) {
      const oldest = leaseOwners.keys().next()
      if (!oldest.done) leaseOwners.delete(oldest.value)
    }
    leaseOwners.set(mid, receiver)
  }
  /** The lease of `mid` ended (acked or rejected): reports it under its mailbox if known. */
  const ended = (mid: string, kind: 'acked' | 'rejected') => {
    const key = mid.toLowerCase()
    const receiver = leaseOwners.get(key)
    leaseOwners.delete(key)
    if (!sink.active) return
    if (receiver === undefined) sink.unattributed()
    else sink.changed(receiver, kind, [key])
  }
  const sent = (receiver: string, result: { mid: string; duplicate: boolean } | PandoraError) => {
    if (!(result instanceof PandoraError) && !result.duplicate) sink.changed(receiver, 'sent', [result.mid])
  }

  const wrapped: Pick<Store, Wrapped> = {
    async send(input) {
      const result = await store.send(input)
      if (sink.active) sent(input.receiver, result)
      return result
    },
    async sendBatch(inputs) {
      const results = await store.sendBatch(inputs)
      if (sink.active) for (const [i, r] of results.entries()) sent(inputs[i]!.receiver, r)
      return results
    },
    async sendMany(inputs) {
      const results = await store.sendMany(inputs)
      if (sink.active) for (const [i, r] of results.entries()) sent(inputs[i]!.receiver, r)
      return results
    },
    async fetch(receiver, options) {
      const messages = await store.fetch(receiver, options)
      if (sink.active && messages.length > 0) {
        for (const m of messages) remember(m.mid, m.receiver)
        sink.changed(
          receiver,
          'leased',
          messages.map((m) => m.mid),
        )
      }
      return messages
    },
    async ack(mid, lid, status, options) {
      await store.ack(mid, lid, status, options)
      if (leaseOwners.size > 0 || sink.active) ended(mid, kindOf(status))
    },
    async ackMany(items) {
      const outcomes = await store.ackMany(items)
      if (leaseOwners.size > 0 || sink.active)
        outcomes.forEach((error, i) => {
          const item = items[i]!
          if (error === null) ended(item.mid, kindOf(item.status))
        })
      return outcomes
    },
    async redrive(receiver, mids) {
      const count = await store.redrive(receiver, mids)
      if (sink.active && count > 0) sink.changed(receiver, 'redriven', mids ?? [], count)
      return count
    },
    async purge(receiver) {
      const count = await store.purge(receiver)
      if (sink.active && count > 0) sink.changed(receiver, 'purged', [], count)
      return count
    },
  }

  const bound = new Map<PropertyKey, unknown>()
  return new Proxy(store, {
    get(target, prop) {
      if (Object.hasOwn(wrapped, prop)) return wrapped[prop as Wrapped]
      // Private fields of the store's class need the store itself as `this`, never the proxy.
      const value = Reflect.get(target, prop, target)
      if (typeof value !== 'function') return value
      let fn = bound.get(prop)
      if (fn === undefined) {
        fn = (value as (...args: unknown[]) => unknown).bind(target)
        bound.set(prop, fn)
      }
      return fn
    },
  })
}
