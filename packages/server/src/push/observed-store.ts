import { normalizeKey, PandoraError, Status, type Store, type WatchEventKind } from '@pandora/core'

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
export function observeStore(
  store: Store,
  sink: ChangeSink,
  options: {
    /** A purge removed messages of `receiver`: whoever holds leases on them must be told. */
    onPurged?: (receiver: string) => void
  } = {},
): Store {
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
    const key = normalizeKey(mid)
    const receiver = leaseOwners.get(key)
    leaseOwners.delete(key)
    if (!sink.active) return
    if (receiver === undefined) sink.unattributed()
    else sink.changed(receiver, kind, [key])
  }
  const sent = (receiver: string, result: { mid: string; duplicate: boolean } | PandoraError) => {
    if (sink.active && !(result instanceof PandoraError) && !result.duplicate)
      sink.changed(receiver, 'sent', [result.mid])
  }

  /**
   * `call`'s promise, with `report` run on its value once it resolves — unless nobody listens: then
   * the store's own promise, at no cost on the hot path, and the leases remembered for a watcher
   * that left are forgotten (a new watcher starts from a snapshot and a recount).
   */
  const observe = <T>(call: Promise<T>, report: (value: T) => void): Promise<T> => {
    if (!sink.active) {
      if (leaseOwners.size > 0) leaseOwners.clear()
      return call
    }
    return call.then((value) => {
      report(value)
      return value
    })
  }

  const wrapped: Pick<Store, Wrapped> = {
    send: (input) => observe(store.send(input), (r) => sent(input.receiver, r)),
    sendBatch: (inputs) =>
      observe(store.sendBatch(inputs), (results) => {
        for (const [i, r] of results.entries()) sent(inputs[i]!.receiver, r)
      }),
    sendMany: (inputs) =>
      observe(store.sendMany(inputs), (results) => {
        for (const [i, r] of results.entries()) sent(inputs[i]!.receiver, r)
      }),
    fetch: (receiver, options) =>
      observe(store.fetch(receiver, options), (messages) => {
        if (messages.length === 0 || !sink.active) return
        for (const m of messages) remember(m.mid, m.receiver)
        sink.changed(
          receiver,
          'leased',
          messages.map((m) => m.mid),
        )
      }),
    ack: (mid, lid, status, options) =>
      observe(store.ack(mid, lid, status, options), () => ended(mid, kindOf(status))),
    ackMany: (items) =>
      observe(store.ackMany(items), (outcomes) => {
        for (const [i, error] of outcomes.entries()) {
          const item = items[i]!
          if (error === null) ended(item.mid, kindOf(item.status))
        }
      }),
    redrive: (receiver, mids) =>
      observe(store.redrive(receiver, mids), (count) => {
        if (count > 0) sink.changed(receiver, 'redriven', mids ?? [], count)
      }),
    // Not a hot path: always followed, so every purge — any route, frame or embedding caller —
    // tells the lease holders, watched or not.
    purge: (receiver) =>
      store.purge(receiver).then((count) => {
        if (count > 0) {
          options.onPurged?.(receiver)
          if (sink.active) sink.changed(receiver, 'purged', [], count)
        }
        return count
      }),
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
