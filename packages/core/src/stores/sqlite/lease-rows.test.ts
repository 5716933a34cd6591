import { describe, expect, it } from 'vitest'
import { LeaseRows } from './lease-rows.js'

describe('lease rows', () => {
  it('gives a lease its row once, then forgets it', () => {
    const rows = new LeaseRows()
    rows.add('l1', 7)
    expect(rows.take('l1')).toBe(7)
    expect(rows.take('l1')).toBeUndefined()
    expect(rows.take('never')).toBeUndefined()
  })

  it('past its capacity forgets the oldest leases first', () => {
    const rows = new LeaseRows(2)
    rows.add('l1', 1)
    rows.add('l2', 2)
    rows.add('l3', 3)
    expect(rows.size).toBe(2)
    expect(rows.take('l1')).toBeUndefined()
    expect(rows.take('l2')).toBe(2)
    expect(rows.take('l3')).toBe(3)
  })
})
