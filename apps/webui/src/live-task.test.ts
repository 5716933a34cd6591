import type { PandoraClient, WatchChange, WatchOptions } from '@pandora/client'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { LiveFeed } from './live-feed.js'
import { LiveTask } from './live-task.js'
import type { PageVisibility } from './poller.js'

const visible: PageVisibility = { visible: () => true, onVisible: () => () => {} }
const POLL_MS = 1500

/** A client whose watch the test drives, and a counted fetch of one view's data. */
function harness() {
  let handler: ((change: WatchChange) => void) | undefined
  let options: WatchOptions = {}
  const client = {
    watch(h: (change: WatchChange) => void, o: WatchOptions) {
      handler = h
      options = o
      return { close: async () => {} }
    },
  } as unknown as PandoraClient
  const feed = new LiveFeed(client)
  feed.open()
  let fetches = 0
  const task = new LiveTask(
    feed,
    async () => {
      fetches++
    },
    POLL_MS,
    (c) => c.resync || c.receivers.has('a@x'),
    visible,
  )
  return {
    task,
    fetches: () => fetches,
    goLive() {
      options.onState?.('live')
      handler?.({ snapshot: true, mailboxes: [], events: [] })
    },
    drop: () => options.onState?.('down'),
    reconnect: () => options.onState?.('connecting'),
    change: (receiver: string) =>
      handler?.({ snapshot: false, mailboxes: [], events: [{ receiver, kind: 'sent', count: 1, mids: [] }] }),
  }
}

/** Lets the runs that were started finish (fake timers: no poll fires). */
const settle = () => vi.advanceTimersByTimeAsync(0)

describe('live task', () => {
  beforeEach(() => vi.useFakeTimers())
  afterEach(() => vi.useRealTimers())

  it('live task - going live reloads once (the resync), not again for the interval change', async () => {
    const h = harness()
    h.task.start()
    await settle()
    expect(h.fetches()).toBe(1)
    h.goLive()
    await settle()
    expect(h.fetches()).toBe(2)
    // Live: nothing on a timer.
    await vi.advanceTimersByTimeAsync(POLL_MS * 3)
    expect(h.fetches()).toBe(2)
    h.change('b@x')
    h.change('a@x')
    await settle()
    expect(h.fetches()).toBe(3)
    h.task.stop()
  })

  it('live task - dropping to polling reloads once at once, then polls; coming back live reloads once', async () => {
    const h = harness()
    h.task.start()
    h.goLive()
    await settle()
    const live = h.fetches()
    h.drop()
    await settle()
    expect(h.fetches()).toBe(live + 1)
    await vi.advanceTimersByTimeAsync(POLL_MS)
    expect(h.fetches()).toBe(live + 2)
    // Still polling while it reconnects: no extra run for that.
    h.reconnect()
    await settle()
    expect(h.fetches()).toBe(live + 2)
    h.goLive()
    await settle()
    expect(h.fetches()).toBe(live + 3)
    await vi.advanceTimersByTimeAsync(POLL_MS * 3)
    expect(h.fetches()).toBe(live + 3)
    h.task.stop()
  })

  it('live task - a resync while a load is under way runs once more after it, never twice at once', async () => {
    let release: () => void = () => {}
    let running = 0
    let most = 0
    let runs = 0
    const slow = new LiveTask(
      { status: { mode: 'connecting' }, onStatus: () => () => {}, onChange: () => () => {} },
      () => {
        runs++
        running++
        most = Math.max(most, running)
        return new Promise<void>((resolve) => {
          release = () => {
            running--
            resolve()
          }
        })
      },
      POLL_MS,
      () => true,
      visible,
    )
    slow.start()
    slow.run()
    slow.run()
    release()
    await settle()
    release()
    await settle()
    expect(runs).toBe(2)
    expect(most).toBe(1)
    slow.stop()
  })
})
