import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { Heartbeat } from './heartbeat.js'

describe('heartbeat', () => {
  beforeEach(() => {
    vi.useFakeTimers()
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  it('heartbeat - pings once per interval while the peer answers', () => {
    let pings = 0
    const onSilence = vi.fn()
    const heartbeat = new Heartbeat({
      interval: 1000,
      ping: async () => {
        pings++
        heartbeat.alive()
      },
      onSilence,
    })
    vi.advanceTimersByTime(5000)
    expect(pings).toBe(5)
    expect(onSilence).not.toHaveBeenCalled()
    heartbeat.stop()
  })

  it('heartbeat - more than two silent intervals call onSilence once and stop the pings', () => {
    const ping = vi.fn(async () => {})
    const onSilence = vi.fn()
    new Heartbeat({ interval: 1000, ping, onSilence })
    vi.advanceTimersByTime(2000)
    expect(onSilence).not.toHaveBeenCalled()
    vi.advanceTimersByTime(1000)
    expect(onSilence).toHaveBeenCalledTimes(1)
    expect(ping).toHaveBeenCalledTimes(2)
    vi.advanceTimersByTime(10_000)
    expect(onSilence).toHaveBeenCalledTimes(1)
    expect(ping).toHaveBeenCalledTimes(2)
  })

  it('heartbeat - a late beat (stalled event loop) pings first and waits an interval before giving up', () => {
    let clock = 0
    const ping = vi.fn(async () => {})
    const onSilence = vi.fn()
    const heartbeat = new Heartbeat({ interval: 1000, ping, onSilence, now: () => clock })
    // The loop was stalled for ten intervals: the first beat runs long after its time.
    clock = 10_000
    vi.advanceTimersByTime(1000)
    expect(onSilence).not.toHaveBeenCalled()
    expect(ping).toHaveBeenCalledTimes(1)
    // The peer answers that ping: still alive.
    clock = 10_500
    heartbeat.alive()
    clock = 11_000
    vi.advanceTimersByTime(1000)
    // Asked again and silent for more than two intervals: now it is gone.
    clock = 13_600
    vi.advanceTimersByTime(1000)
    expect(onSilence).toHaveBeenCalledTimes(1)
  })

  it('heartbeat - any frame counts as a sign of life, not only pongs', () => {
    const onSilence = vi.fn()
    const heartbeat = new Heartbeat({ interval: 1000, ping: async () => {}, onSilence })
    for (let i = 0; i < 10; i++) {
      vi.advanceTimersByTime(1500)
      heartbeat.alive()
    }
    expect(onSilence).not.toHaveBeenCalled()
    heartbeat.stop()
  })

  it('heartbeat - a failing ping is not an error; silence decides', () => {
    const onSilence = vi.fn()
    const heartbeat = new Heartbeat({ interval: 1000, ping: () => Promise.reject(new Error('x')), onSilence })
    vi.advanceTimersByTime(1000)
    heartbeat.alive()
    vi.advanceTimersByTime(1000)
    expect(onSilence).not.toHaveBeenCalled()
    heartbeat.stop()
  })

  it('heartbeat - stop ends the pings', () => {
    const ping = vi.fn(async () => {})
    const heartbeat = new Heartbeat({ interval: 1000, ping, onSilence: () => {} })
    heartbeat.stop()
    heartbeat.stop()
    vi.advanceTimersByTime(5000)
    expect(ping).not.toHaveBeenCalled()
  })
})
