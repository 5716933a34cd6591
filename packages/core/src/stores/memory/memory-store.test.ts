import { describe, expect, it } from 'vitest'
import { Status } from '../../status.js'
import { runStoreConformance } from '../store.case.test.js'
import { heldBytes, MemoryStore, openMemoryStore } from './memory-store.js'

describe('memory store', () => {
  runStoreConformance({
    newStore: async (options) => {
      const store = await openMemoryStore(options)
      return {
        store,
        // Flipping a byte of the array the store holds is what a memory fault would do. The suite
        // checks that the store then reports the body corrupt.
        corrupt: async (mid) => {
          const bytes = store[heldBytes](mid)
          if (!bytes || bytes.length === 0) throw new Error(`no body to corrupt for ${mid}`)
          bytes[0]! ^= 0xff
        },
      }
    },
    skip: {
      reopen: { reason: 'the memory store keeps nothing across instances' },
      'fan-out-failure': {
        reason: 'the memory store writes a batch in one synchronous step: nothing fails in between',
      },
    },
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
