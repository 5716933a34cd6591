import { type LeasedMessage, ManualClock, MemoryStore, Status } from '@pandora/core'
import { afterEach, describe, expect, it } from 'vitest'
import { PushHub } from './push-hub.js'
import { PushSubscription, type PushSubscriptionOwner } from './push-subscription.js'

/** A socket stand-in: records pushes; its congestion is set by the test. */
class FakeSocket implements PushSubscriptionOwner {
  open = true
  congested = false
  constructor(readonly now: () => number = () => Date.now()) {}
  readonly pushed: LeasedMessage[] = []
  #waiters: { count: number; resolve: () => void }[] = []

  revoked(): void {}

  push(_sub: string, messages: LeasedMessage[]): void {
    this.pushed.push(...messages)
    for (const w of this.#waiters.filter((w) => this.pushed.length >= w.count)) w.resolve()
  }

  /** Resolves once `count` messages in all were pushed. */
  until(count: number): Promise<void> {
    if (this.pushed.length >= count) return Promise.resolve()
    return new Promise((resolve) => this.#waiters.push({ count, resolve }))
  }
}

/** Lets every queued promise job and immediate run (the hub's pump is a chain of them). */
const settle = async () => {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r))
}

let hub: PushHub | undefined
afterEach(() => hub?.close())
const input = (receiver: string, i: number) => ({ sender: 's@t', receiver, fields: { i: String(i) } })

describe('push hub', () => {
  it('slow consumer - a congested socket is pushed nothing more until it drains', async () => {
    const store = new MemoryStore()
    hub = new PushHub(store)
    const socket = new FakeSocket()
    socket.congested = true
    hub.attach(new PushSubscription('s', 'slow@t', 30_000, 10, socket))
    await store.sendBatch([1, 2, 3, 4, 5].map((i) => input('slow@t', i)))
    await settle()
    expect(socket.pushed).toEqual([])
    expect(await store.stats('slow@t')).toMatchObject({ pending: 5, leased: 0 })
    socket.congested = false
    hub.kick('slow@t')
    await socket.until(5)
    expect(socket.pushed.map((m) => m.fields.i?.[0])).toEqual(['1', '2', '3', '4', '5'])
  })

  it('credit - a subscription is never pushed more than its prefetch while nothing is acked', async () => {
    const store = new MemoryStore()
    hub = new PushHub(store)
    const socket = new FakeSocket()
    const sub = new PushSubscription('s', 'credit@t', 30_000, 3, socket)
    hub.attach(sub)
    await store.sendBatch(Array.from({ length: 10 }, (_, i) => input('credit@t', i)))
    await socket.until(3)
    await settle()
    expect(socket.pushed).toHaveLength(3)
    const [first] = socket.pushed
    await store.ack(first!.mid, first!.lid, Status.confirmed)
    sub.inflight.delete(first!.mid)
    hub.kick('credit@t')
    await socket.until(4)
    await settle()
    expect(socket.pushed).toHaveLength(4)
  })

  it("clock - credit and lease expiry follow the store's clock, not this machine's", async () => {
    // A store deciding on a clock a day behind this machine's (as a database's may be): its
    // 30 s leases must not look expired here, or the prefetch would be overrun.
    const clock = new ManualClock(Date.now() - 86_400_000)
    const store = new MemoryStore({ clock })
    hub = new PushHub(store)
    const socket = new FakeSocket(() => store.clock.now())
    hub.attach(new PushSubscription('s', 'clock@t', 30_000, 2, socket))
    await store.sendBatch(Array.from({ length: 5 }, (_, i) => input('clock@t', i)))
    await socket.until(2)
    await settle()
    expect(socket.pushed).toHaveLength(2)
    expect(await store.stats('clock@t')).toMatchObject({ leased: 2, pending: 3 })
    // On the store's clock the leases end: the credit comes back, and the two next due are pushed.
    clock.advance(30_001)
    hub.kick('clock@t')
    await socket.until(4)
    expect(socket.pushed.map((m) => m.fields.i?.[0]).slice(2)).toEqual(['2', '3'])
  })

  it('sharing - two subscriptions on one mailbox split its messages, each message once', async () => {
    const store = new MemoryStore()
    hub = new PushHub(store)
    const a = new FakeSocket()
    const b = new FakeSocket()
    hub.attach(new PushSubscription('a', 'shared@t', 30_000, 4, a))
    hub.attach(new PushSubscription('b', 'shared@t', 30_000, 4, b))
    await store.sendBatch(Array.from({ length: 8 }, (_, i) => input('shared@t', i)))
    await Promise.all([a.until(4), b.until(4)])
    const mids = [...a.pushed, ...b.pushed].map((m) => m.mid)
    expect(new Set(mids).size).toBe(8)
  })

  it('long poll - waitFor wakes on a send to its receiver, not on another', async () => {
    const store = new MemoryStore({ clock: new ManualClock(Date.now()) })
    hub = new PushHub(store)
    let woke = false
    const waiting = hub.waitFor('wait@t', 60_000).then(() => {
      woke = true
    })
    await store.send(input('other@t', 1))
    await settle()
    expect(woke).toBe(false)
    await store.send(input('wait@t', 1))
    await waiting
    expect(woke).toBe(true)
  })

  it('revoke - what a fetch leased just before a purge is not pushed once the purge was announced', async () => {
    const store = new MemoryStore()
    let leased!: () => void
    const fetching = new Promise<void>((resolve) => {
      leased = resolve
    })
    let release!: () => void
    const gate = new Promise<void>((resolve) => {
      release = resolve
    })
    // The store's fetch, held back after it leased: the purge and its announcement get in between.
    const slow = new Proxy(store, {
      get(target, key) {
        if (key === 'fetch')
          return async (...args: Parameters<MemoryStore['fetch']>) => {
            const messages = await target.fetch(...args)
            leased()
            await gate
            return messages
          }
        const value = Reflect.get(target, key, target)
        return typeof value === 'function' ? value.bind(target) : value
      },
    })
    hub = new PushHub(slow)
    const socket = new FakeSocket()
    await store.send(input('gone@t', 1))
    hub.attach(new PushSubscription('s', 'gone@t', 30_000, 10, socket))
    await fetching
    expect(await store.purge('gone@t')).toBe(1)
    hub.revoked('gone@t', 'purged')
    release()
    await settle()
    expect(socket.pushed).toEqual([])
    // A message sent after the purge is pushed as usual.
    await store.send(input('gone@t', 2))
    await socket.until(1)
    expect(socket.pushed.map((m) => m.fields.i?.[0])).toEqual(['2'])
  })
})
