import { type LeasedMessage, Status } from '@pandora/core'
import { describe, expect, it } from 'vitest'
import { LeaseBook } from './lease-book.js'
import { holdingSubscription as holding } from './test-subscription.js'

function leased(mid: string, lid: string, leasedUntil = 60_000): LeasedMessage {
  return {
    mid,
    lid,
    leasedUntil,
    sender: 'a@b',
    receiver: 'r@b',
    status: Status.notDelivered,
    receivedAt: 0,
    sendWhen: 0,
    deliveryCount: 1,
    size: 10,
    fields: {},
  } as LeasedMessage
}

describe('lease book', () => {
  it('lease book - releasing the current lid frees credit on the holding subscription, once', () => {
    const book = new LeaseBook()
    const sub = holding(book, 's1', 'r@b', [leased('m1', 'l1'), leased('m2', 'l2')])
    expect(sub.credit()).toBe(8)
    expect(book.release('m1', 'l1')).toBe('r@b')
    expect(sub.credit()).toBe(9)
    expect(book.release('m1', 'l1')).toBeNull()
    expect(sub.credit()).toBe(9)
  })

  it('lease book - a stale lid or an unknown mid frees nothing', () => {
    const book = new LeaseBook()
    const sub = holding(book, 's1', 'r@b', [leased('m1', 'l1')])
    expect(book.release('m1', 'old-lid')).toBeNull()
    expect(book.release('m9', 'l1')).toBeNull()
    expect(sub.inflight.has('m1')).toBe(true)
  })

  it('lease book - a renewal moves the lease end only for the current lid', () => {
    const book = new LeaseBook()
    const sub = holding(book, 's1', 'r@b', [leased('m1', 'l1', 1000)])
    book.renewed('m1', 'stale', 9000)
    expect(sub.nextExpiry()).toBe(1000)
    book.renewed('m1', 'l1', 5000)
    expect(sub.nextExpiry()).toBe(5000)
  })

  it('lease book - removing a subscription hands over its leases; clear hands over all of them', () => {
    const book = new LeaseBook()
    holding(book, 's1', 'r@b', [leased('m1', 'l1')])
    holding(book, 's2', 'q@b', [leased('m2', 'l2'), leased('m3', 'l3')])
    expect(book.size).toBe(2)
    const removed = book.remove('s1')
    expect(removed?.subscription.id).toBe('s1')
    expect(removed?.leases).toEqual([{ mid: 'm1', lid: 'l1' }])
    expect(book.remove('s1')).toBeUndefined()
    expect(book.release('m1', 'l1')).toBeNull()
    const { subscriptions, leases } = book.clear()
    expect(subscriptions.map((s) => s.id)).toEqual(['s2'])
    expect(leases).toEqual([
      { mid: 'm2', lid: 'l2' },
      { mid: 'm3', lid: 'l3' },
    ])
    expect(book.size).toBe(0)
  })

  it('lease book - revoking takes the leases of a subscription away but keeps the subscription', () => {
    const book = new LeaseBook()
    const sub = holding(book, 's1', 'r@b', [leased('m1', 'l1'), leased('m2', 'l2')])
    expect(book.revoke('s1')).toEqual([
      { mid: 'm1', lid: 'l1' },
      { mid: 'm2', lid: 'l2' },
    ])
    expect(book.has('s1')).toBe(true)
    expect(sub.credit()).toBe(10)
    // A late ack of a revoked lease hands out no credit.
    expect(book.release('m1', 'l1')).toBeNull()
    expect(book.revoke('s1')).toEqual([])
    expect(book.revoke('unknown')).toEqual([])
  })
})
