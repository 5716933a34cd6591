import { afterEach, describe, expect, it, vi } from 'vitest'
import { ReaderProbe } from './reader-probe.js'

afterEach(() => vi.useRealTimers())

/** A probe with a 1 s grace period on fake timers; `events` records its pings and silences. */
function probeWithEvents() {
  vi.useFakeTimers()
  const events: string[] = []
  const probe = new ReaderProbe(
    () => events.push('ping'),
    { graceMs: 1000 },
    () => events.push('silent'),
  )
  return { probe, events }
}

describe('reader probe', () => {
  it('reader probe - a push pings; no answer within the grace period is a silent peer', () => {
    const { probe, events } = probeWithEvents()
    probe.pushed()
    probe.pushed()
    expect(events).toEqual(['ping'])
    vi.advanceTimersByTime(999)
    expect(events).toEqual(['ping'])
    vi.advanceTimersByTime(1)
    expect(events).toEqual(['ping', 'silent'])
  })

  it('reader probe - an answer clears the probe; a peer that answered lately is pinged half a grace period later', () => {
    const { probe, events } = probeWithEvents()
    probe.pushed()
    vi.advanceTimersByTime(10)
    probe.answered()
    vi.advanceTimersByTime(5000)
    expect(events).toEqual(['ping'])
    probe.pushed()
    expect(events).toEqual(['ping', 'ping'])
    probe.answered()
    vi.advanceTimersByTime(100)
    probe.pushed()
    expect(events).toEqual(['ping', 'ping'])
    vi.advanceTimersByTime(400)
    expect(events).toEqual(['ping', 'ping', 'ping'])
    vi.advanceTimersByTime(1000)
    expect(events).toEqual(['ping', 'ping', 'ping', 'silent'])
  })
})
