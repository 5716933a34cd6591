import { PandoraError } from '@pandora/core'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { LeaseKeeper, type LeaseKeeperEvent } from './lease-keeper.js'

describe('LeaseKeeper', () => {
  beforeEach(() => vi.useFakeTimers())
  afterEach(() => vi.useRealTimers())

  function setup(renew: (ms: number) => Promise<Date>, leaseTime = 10_000) {
    const events: LeaseKeeperEvent[] = []
    const calls: number[] = []
    const keeper = new LeaseKeeper(
      {
        renew: (ms) => {
          calls.push(Date.now())
          return renew(ms)
        },
        emit: (e) => events.push(e),
      },
      { leaseTime },
    )
    return { keeper, events, calls }
  }

  it('LeaseKeeper - renews at half the lease, again and again, before it can expire', async () => {
    const start = Date.now()
    const { keeper, events, calls } = setup(async (ms) => new Date(Date.now() + ms))
    keeper.start()
    await vi.advanceTimersByTimeAsync(4_999)
    expect(calls).toHaveLength(0)
    await vi.advanceTimersByTimeAsync(1)
    expect(calls).toEqual([start + 5_000])
    await vi.advanceTimersByTimeAsync(15_000)
    expect(calls).toEqual([start + 5_000, start + 10_000, start + 15_000, start + 20_000])
    expect(events.filter((e) => e.type === 'renewed')).toHaveLength(4)
    keeper.stop()
  })

  it('LeaseKeeper - stop ends renewals', async () => {
    const { keeper, calls } = setup(async (ms) => new Date(Date.now() + ms))
    keeper.start()
    await vi.advanceTimersByTimeAsync(5_000)
    keeper.stop()
    await vi.advanceTimersByTimeAsync(60_000)
    expect(calls).toHaveLength(1)
    expect(keeper.running).toBe(false)
  })

  it('LeaseKeeper - a refused renewal reports the lease lost and stops', async () => {
    const { keeper, events, calls } = setup(async () => {
      throw new PandoraError('unable_to_change_status')
    })
    keeper.start()
    await vi.advanceTimersByTimeAsync(30_000)
    expect(calls).toHaveLength(1)
    expect(events).toEqual([{ type: 'lost', error: expect.any(PandoraError) }])
    expect(keeper.running).toBe(false)
  })

  it('LeaseKeeper - a transient failure is retried while the lease still holds', async () => {
    let fail = true
    const { keeper, events, calls } = setup(async (ms) => {
      if (fail) {
        fail = false
        throw new PandoraError('connection_lost')
      }
      return new Date(Date.now() + ms)
    })
    keeper.start()
    await vi.advanceTimersByTimeAsync(5_000)
    expect(events.map((e) => e.type)).toEqual(['error'])
    await vi.advanceTimersByTimeAsync(1_000)
    expect(calls).toHaveLength(2)
    expect(events.map((e) => e.type)).toEqual(['error', 'renewed'])
    keeper.stop()
  })

  it('LeaseKeeper - gives up with lost once the lease ran out locally', async () => {
    const { keeper, events } = setup(async () => {
      throw new PandoraError('timeout')
    }, 2_000)
    keeper.start()
    await vi.advanceTimersByTimeAsync(5_000)
    expect(events.at(-1)?.type).toBe('lost')
    expect(keeper.running).toBe(false)
  })
})
