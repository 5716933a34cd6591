import { describe, expect, it } from 'vitest'
import { ManualClock } from '../../clock.js'
import { Status } from '../../status.js'
import { runStoreConformance } from '../store.case.test.js'
import { MemoryStore } from './memory-store.js'

describe('memory store', () => {
  runStoreConformance({
    newStore: async (options) => {
      const clock = new ManualClock()
      return { store: new MemoryStore({ ...options, clock }), advance: (ms) => clock.advance(ms) }
    },
    skip: { reopen: { reason: 'the memory store keeps nothing across instances' } },
  })

  it('fetch - stays fast with many pending messages (no scan of the mailbox)', async () => {
    const store = new MemoryStore()
    const inputs = Array.from({ length: 20_000 }, (_, i) => ({
      sender: 's@t',
      receiver: 'big@t',
      fields: { i: String(i) },
    }))
    await store.sendBatch(inputs)
    // Lease and confirm the oldest half: each fetch must find the head without walking the rest.
    for (let i = 0; i < 100; i++) {
      const [m] = await store.fetch('big@t', { leaseTime: 5000 })
      expect(m!.fields.i).toEqual([String(i)])
      await store.ack(m!.mid, m!.lid, Status.confirmed)
    }
    expect((await store.stats('big@t')).pending).toBe(19_900)
  })
})
