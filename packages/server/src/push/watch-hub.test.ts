import { MemoryStore, Status } from '@pandora/core'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { observeStore } from './observed-store.js'
import { WatchHub, type WatchUpdate } from './watch-hub.js'

beforeEach(() => {
  vi.useFakeTimers()
})
afterEach(() => {
  vi.useRealTimers()
})

function setup(options: { maxDeliveries?: number } = {}) {
  const raw = new MemoryStore(options)
  const hub = new WatchHub(raw, { windowMs: 100, resyncMs: 60_000 })
  const store = observeStore(raw, hub)
  const updates: WatchUpdate[] = []
  const target = { receiver: undefined, deliver: (u: WatchUpdate) => updates.push(u) }
  return { raw, hub, store, updates, target }
}
const message = (receiver: string, n: number) => ({ receiver, sender: 's@x', fields: { n: [String(n)] } })

describe('watch hub', () => {
  it('watch hub - fifty sends in one window make one update with the latest counts and every mid up to the cap', async () => {
    const { hub, store, updates, target } = setup()
    await hub.watch(target)
    const mids: string[] = []
    for (let i = 0; i < 50; i++) mids.push((await store.send(message('a@x', i))).mid)
    expect(updates).toEqual([])
    await vi.advanceTimersByTimeAsync(100)
    expect(updates).toHaveLength(1)
    expect(updates[0]!.mailboxes).toEqual([
      { receiver: 'a@x', pending: 50, leased: 0, delayed: 0, dead: 0, confirmed: 0 },
    ])
    expect(updates[0]!.events).toEqual([{ receiver: 'a@x', kind: 'sent', count: 50, mids }])
    hub.close()
  })

  it('watch hub - no more than one update per window, however the changes spread', async () => {
    const { hub, store, updates, target } = setup()
    await hub.watch(target)
    for (let i = 0; i < 10; i++) {
      await store.send(message('a@x', i))
      await vi.advanceTimersByTimeAsync(20)
    }
    await vi.advanceTimersByTimeAsync(100)
    // 200 ms of changes: the first window's update, then one per window after it.
    expect(updates.length).toBeGreaterThanOrEqual(2)
    expect(updates.length).toBeLessThanOrEqual(3)
    expect(updates.at(-1)!.mailboxes[0]).toMatchObject({ pending: 10 })
    hub.close()
  })

  it('watch hub - nothing is gathered while nobody watches, and a scoped watcher hears only its mailbox', async () => {
    const { hub, store, updates } = setup()
    await store.send(message('a@x', 1))
    await vi.advanceTimersByTimeAsync(200)
    const target = { receiver: 'b@x', deliver: (u: WatchUpdate) => updates.push(u) }
    expect(await hub.watch(target)).toEqual([
      { receiver: 'b@x', pending: 0, leased: 0, delayed: 0, dead: 0, confirmed: 0 },
    ])
    await store.send(message('a@x', 2))
    await vi.advanceTimersByTimeAsync(200)
    expect(updates).toEqual([])
    await store.send(message('b@x', 3))
    await vi.advanceTimersByTimeAsync(200)
    expect(updates.map((u) => u.events.map((e) => `${e.kind} ${e.receiver}`))).toEqual([['sent b@x']])
    hub.close()
  })

  it('watch hub - a dead message redriven shows as redriven with its mid; the dead count comes back down', async () => {
    const { hub, store, updates, target } = setup({ maxDeliveries: 1 })
    const { mid } = await store.send(message('a@x', 1))
    const [leased] = await store.fetch('a@x', { leaseTime: 1000 })
    await store.ack(mid, leased!.lid, Status.rejected)
    expect(await store.fetch('a@x', { leaseTime: 1000 })).toEqual([])
    await hub.watch(target)
    expect(await store.redrive('a@x', [mid])).toBe(1)
    await vi.advanceTimersByTimeAsync(100)
    expect(updates[0]!.events).toEqual([{ receiver: 'a@x', kind: 'redriven', count: 1, mids: [mid] }])
    expect(updates[0]!.mailboxes[0]).toMatchObject({ pending: 1, dead: 0 })
    hub.close()
  })

  it('watch hub - an ack of a lease this process did not see handed out leads to a full recount', async () => {
    const { raw, hub, store, updates, target } = setup()
    await raw.send(message('a@x', 1))
    // Leased before anyone watched (or through another instance): the observer cannot name its mailbox.
    const [leased] = await raw.fetch('a@x', { leaseTime: 60_000 })
    await hub.watch(target)
    await store.ack(leased!.mid, leased!.lid, Status.confirmed)
    await vi.advanceTimersByTimeAsync(1100)
    expect(updates.at(-1)!.mailboxes).toEqual([
      { receiver: 'a@x', pending: 0, leased: 0, delayed: 0, dead: 0, confirmed: 1 },
    ])
    hub.close()
  })
})
