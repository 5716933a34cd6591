import { afterEach, describe, expect, it, vi } from 'vitest'
import { clockOffset, readInfo, serverNow } from './clock-offset.js'

const info = (serverTime: Date) => ({ version: '0.1.0', maxSize: 4096, authRequired: false, serverTime })

describe('clock offset', () => {
  afterEach(() => {
    vi.useRealTimers()
  })

  it('clock - a browser clock behind the server gets a positive offset that restores server time', () => {
    const server = Date.parse('2030-01-01T12:00:00.000Z')
    const local = server - 90_000 // this browser runs 90 s slow
    const offset = clockOffset(new Date(server), local)
    expect(offset).toBe(90_000)
    // Ten seconds later on both clocks, the console sees the server's time.
    expect(serverNow(offset, local + 10_000)).toBe(server + 10_000)
  })

  it('clock - a browser clock ahead gives a negative offset; a lease countdown stays true to the server', () => {
    const server = Date.parse('2030-01-01T12:00:00.000Z')
    const local = server + 3_600_000 // an hour fast
    const offset = clockOffset(new Date(server), local)
    const leasedUntil = server + 30_000
    // Without the offset the lease would look an hour overdue; with it, 30 s remain.
    expect(leasedUntil - local).toBeLessThan(0)
    expect(leasedUntil - serverNow(offset, local)).toBe(30_000)
  })

  it('clock - an invalid server time means no correction rather than NaN countdowns', () => {
    expect(clockOffset(new Date(Number.NaN), Date.now())).toBe(0)
  })

  it('clock - readInfo measures the offset against the midpoint of request and reply', async () => {
    vi.useFakeTimers({ toFake: ['Date'] })
    const local = Date.parse('2030-01-01T12:00:00.000Z')
    vi.setSystemTime(local)
    const reading = await readInfo({
      info: async () => {
        // The server, 5 min ahead, answers halfway through a 200 ms round trip.
        vi.setSystemTime(local + 200)
        return info(new Date(local + 100 + 5 * 60_000))
      },
    })
    expect(reading.info.version).toBe('0.1.0')
    expect(reading.clockOffset).toBe(5 * 60_000)
  })
})
