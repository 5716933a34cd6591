import { PandoraError } from '@pandora/core'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { LeaseKeeper, type LeaseKeeperEvent } from './lease-keeper.js'
import { LeaseLostError } from './lease-lost-error.js'

describe('LeaseKeeper', () => {
  beforeEach(() => vi.useFakeTimers())
  afterEach(() => vi.useRealTimers())

  function setup(renew: (ms: number) => Promise<Date>, leaseTime = 10_000) {
    const events: LeaseKeeperEvent[] = []
    const times: number[] = []
    const calls: number[] = []
    const keeper = new LeaseKeeper(
      {
        renew: (ms) => {
          calls.push(Date.now())
          return renew(ms)
        },
        emit: (e) => {
          events.push(e)
          times.push(Date.now())
        },
      },
      { leaseTime },
    )
    return { keeper, events, times, calls }
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
    expect(events).toEqual([{ type: 'lost', error: expect.any(LeaseLostError) }])
    const lost = events[0]?.type === 'lost' ? events[0].error : undefined
    expect(lost?.kind).toBe('renewal_refused')
    expect(lost?.cause).toMatchObject({ code: 'unable_to_change_status' })
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
    const last = events.at(-1)
    expect(last?.type === 'lost' && last.error.kind).toBe('expired')
    expect(last?.type === 'lost' && last.error.cause).toMatchObject({ code: 'timeout' })
    expect(keeper.running).toBe(false)
  })

  it('LeaseKeeper - a lease whose end passes while no renewal answers is lost at its end, as expired', async () => {
    const start = Date.now()
    const { keeper, events, times } = setup(() => new Promise<Date>(() => {}), 2_000)
    keeper.start()
    await vi.advanceTimersByTimeAsync(1_999)
    expect(events).toEqual([])
    await vi.advanceTimersByTimeAsync(1)
    expect(events).toEqual([{ type: 'lost', error: expect.objectContaining({ kind: 'expired' }) }])
    expect(times).toEqual([start + 2_000])
    expect(keeper.running).toBe(false)
  })

  it('LeaseKeeper - a server clock an hour off moves no lease end: the renewed lease expires 10 s after it was asked for', async () => {
    for (const skew of [3_600_000, -3_600_000]) {
      const start = Date.now()
      let renewed = false
      const { keeper, events, times } = setup(async (ms) => {
        if (renewed) throw new PandoraError('connection_lost')
        renewed = true
        return new Date(Date.now() + skew + ms)
      })
      keeper.start()
      await vi.advanceTimersByTimeAsync(20_000)
      expect(events.at(-1)).toEqual({ type: 'lost', error: expect.objectContaining({ kind: 'expired' }) })
      // Renewed at 5 s for 10 s: lost at 15 s, the failed renewals after it (at 10 s, …) notwithstanding.
      expect(times.at(-1)).toBe(start + 15_000)
    }
  })

  it('LeaseKeeper - renewNow renews at once, and a refusal then is reported as renewal_refused', async () => {
    let refuse = false
    const { keeper, events, calls } = setup(async (ms) => {
      if (refuse) throw new PandoraError('unable_to_change_status')
      return new Date(Date.now() + ms)
    })
    keeper.start()
    await vi.advanceTimersByTimeAsync(1_000)
    refuse = true
    keeper.renewNow()
    await vi.advanceTimersByTimeAsync(0)
    expect(calls).toHaveLength(1)
    expect(events).toEqual([{ type: 'lost', error: expect.objectContaining({ kind: 'renewal_refused' }) }])
  })
})
