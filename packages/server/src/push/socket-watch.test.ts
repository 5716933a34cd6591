import { describe, expect, it } from 'vitest'
import { SocketWatch } from './socket-watch.js'
import type { WatchUpdate } from './watch-hub.js'

const stats = (pending: number) => ({
  receiver: 'a@x',
  pending,
  leased: 0,
  delayed: 0,
  dead: 0,
  confirmed: 0,
})
const mids = (from: number, n: number) =>
  Array.from({ length: n }, (_, i) => (from + i).toString(16).padStart(40, '0'))

describe('socket watch', () => {
  it('socket watch - nothing leaves before the watching reply; then what was held goes as one frame', () => {
    const sent: WatchUpdate[] = []
    const watch = new SocketWatch(undefined, { congested: false, send: (u) => sent.push(u) })
    watch.deliver({
      mailboxes: [stats(1)],
      events: [{ receiver: 'a@x', kind: 'sent', count: 1, mids: mids(0, 1) }],
    })
    expect(sent).toEqual([])
    watch.release()
    expect(sent).toHaveLength(1)
  })

  it('socket watch - a congested socket gets one frame once it drains: the latest counts, events merged and capped', () => {
    const sent: WatchUpdate[] = []
    const outlet = { congested: true, send: (u: WatchUpdate) => sent.push(u) }
    const watch = new SocketWatch(undefined, outlet)
    watch.release()
    for (let i = 0; i < 3; i++)
      watch.deliver({
        mailboxes: [stats(50 * (i + 1))],
        events: [{ receiver: 'a@x', kind: 'sent', count: 50, mids: mids(i * 50, 50) }],
      })
    expect(sent).toEqual([])
    outlet.congested = false
    watch.flush()
    expect(sent).toEqual([
      {
        mailboxes: [stats(150)],
        events: [{ receiver: 'a@x', kind: 'sent', count: 150, mids: mids(0, 64) }],
      },
    ])
  })

  it('socket watch - a socket that keeps up is sent the hub update itself, not a copy', () => {
    const sent: WatchUpdate[] = []
    const watch = new SocketWatch(undefined, { congested: false, send: (u) => sent.push(u) })
    watch.release()
    const update = {
      mailboxes: [stats(1)],
      events: [{ receiver: 'a@x', kind: 'sent' as const, count: 1, mids: mids(0, 1) }],
    }
    watch.deliver(update)
    expect(sent).toHaveLength(1)
    expect(sent[0]).toBe(update)
  })
})
