import type { PandoraClient, WatchChange, WatchOptions } from '@pandora/client'
import { describe, expect, it } from 'vitest'
import { applyCounts, describeChange, type FeedStatus, LiveFeed } from './live-feed.js'

const stats = (receiver: string, pending: number, confirmed = 0) => ({
  receiver,
  pending,
  leased: 0,
  delayed: 0,
  dead: 0,
  confirmed,
})
const mid = (c: string) => c.repeat(40)

describe('live feed', () => {
  it('live feed - a snapshot replaces the counts; a change updates its mailboxes and drops emptied ones', () => {
    const start = applyCounts([stats('old@x', 9)], {
      snapshot: true,
      mailboxes: [stats('b@x', 1), stats('a@x', 2)],
      events: [],
    })
    expect(start.map((m) => m.receiver)).toEqual(['a@x', 'b@x'])
    const next = applyCounts(start, {
      snapshot: false,
      mailboxes: [stats('a@x', 0), stats('c@x', 0, 1), stats('b@x', 3)],
      events: [],
    })
    expect(next).toEqual([stats('b@x', 3), stats('c@x', 0, 1)])
  })

  it('live feed - says which mailboxes and mids changed, and where changes went unnamed', () => {
    const change = describeChange({
      snapshot: false,
      mailboxes: [stats('a@x', 1), stats('b@x', 0), stats('c@x', 4)],
      events: [
        { receiver: 'a@x', kind: 'sent', count: 1, mids: [mid('a')] },
        { receiver: 'b@x', kind: 'purged', count: 3, mids: [] },
      ],
    })
    expect(change.resync).toBe(false)
    expect([...change.receivers].sort()).toEqual(['a@x', 'b@x', 'c@x'])
    expect([...change.mids]).toEqual([mid('a')])
    // A purge names no mids; c@x's counts moved with no event (a lease ran out).
    expect([...change.unnamed].sort()).toEqual(['b@x', 'c@x'])
    expect(describeChange({ snapshot: true, mailboxes: [], events: [] }).resync).toBe(true)
  })

  it('live feed - creating one opens nothing; open and close pair up however often an effect runs them', () => {
    const watches: { options: WatchOptions; handler: (c: WatchChange) => void; closed: boolean }[] = []
    const client = {
      watch(handler: (c: WatchChange) => void, options: WatchOptions) {
        const w = { options, handler, closed: false }
        watches.push(w)
        return {
          close: async () => {
            w.closed = true
          },
        }
      },
    } as unknown as PandoraClient
    const feed = new LiveFeed(client)
    // A render that creates a feed and drops it (memo discarded, strict mode) leaks no stream.
    new LiveFeed(client)
    expect(watches).toHaveLength(0)

    const statuses: FeedStatus[] = []
    const counts: number[] = []
    feed.onStatus((s) => statuses.push(s))
    feed.onCounts((list) => counts.push(list.length))
    feed.open()
    feed.open()
    expect(watches).toHaveLength(1)
    // Strict mode: the effect's cleanup and the effect again.
    feed.close()
    feed.open()
    expect(watches.map((w) => w.closed)).toEqual([true, false])

    // The closed watch's late news is ignored; the open one's is heard.
    watches[0]!.options.onState?.('live')
    watches[0]!.handler({ snapshot: true, mailboxes: [stats('a@x', 1)], events: [] })
    expect(feed.status.mode).toBe('connecting')
    expect(counts).toEqual([])
    watches[1]!.options.onState?.('live')
    watches[1]!.handler({ snapshot: true, mailboxes: [stats('a@x', 1)], events: [] })
    expect(feed.status.mode).toBe('live')
    expect(counts).toEqual([1])
    expect(statuses.map((s) => s.mode)).toEqual(['live'])
    feed.close()
    expect(watches.every((w) => w.closed)).toBe(true)
  })
})
