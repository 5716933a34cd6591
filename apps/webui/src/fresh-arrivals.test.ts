import { describe, expect, it } from 'vitest'
import { arrivalAnnouncement, FRESH_MS, findArrivals, isFresh, markFresh } from './fresh-arrivals.js'

const h = (mid: string) => ({ mid })

describe('fresh arrivals', () => {
  it('arrivals - the first load is old news; later loads report only mids not seen before', () => {
    expect(findArrivals(undefined, [h('a'), h('b')])).toEqual([])
    expect(findArrivals(new Set(['a']), [h('c'), h('a'), h('b')])).toEqual([h('c'), h('b')])
    expect(findArrivals(new Set(['a']), [h('a')])).toEqual([])
  })

  it('arrivals - a new message stays highlighted for FRESH_MS, then not', () => {
    const marks = markFresh(new Map(), ['a'], 10_000)
    expect(isFresh(marks, 'a', 10_000)).toBe(true)
    expect(isFresh(marks, 'a', 10_000 + FRESH_MS - 1)).toBe(true)
    expect(isFresh(marks, 'a', 10_000 + FRESH_MS)).toBe(false)
    expect(isFresh(marks, 'b', 10_000)).toBe(false)
  })

  it('arrivals - marking new arrivals drops the marks that have expired and keeps the others', () => {
    const earlier = markFresh(markFresh(new Map(), ['old'], 0), ['recent'], FRESH_MS - 1000)
    const next = markFresh(earlier, ['new'], FRESH_MS)
    expect([...next.keys()]).toEqual(['recent', 'new'])
    expect(earlier.has('old')).toBe(true)
  })

  it('arrivals - the announcement counts the messages in words', () => {
    expect(arrivalAnnouncement(1, 'orders@shop')).toBe('1 new message in orders@shop')
    expect(arrivalAnnouncement(3, 'orders@shop')).toBe('3 new messages in orders@shop')
  })
})
