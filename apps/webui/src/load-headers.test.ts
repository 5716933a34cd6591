import { describe, expect, it } from 'vitest'
import { loadHeaders } from './load-headers.js'

const header = (n: number, at = n) => ({ mid: `m${n}`, receivedAt: new Date(1_000_000 + at) })

/** A server listing oldest first with an inclusive `since`, like /v1/mailboxes/{r}/headers. */
const server = (all: ReturnType<typeof header>[]) => async (q: { since?: Date; limit: number }) =>
  all.filter((h) => !q.since || h.receivedAt >= q.since).slice(0, q.limit)

describe('load headers', () => {
  it('headers - pages through a mailbox and lists newest first without repeats', async () => {
    const all = Array.from({ length: 25 }, (_, i) => header(i))
    const { headers, truncated } = await loadHeaders(server(all), { pageSize: 10, maxPages: 5 })
    expect(truncated).toBe(false)
    expect(headers.map((h) => h.mid)).toEqual(all.map((h) => h.mid).reverse())
  })

  it('headers - stops at the page cap and says the list is incomplete', async () => {
    const all = Array.from({ length: 50 }, (_, i) => header(i))
    const { headers, truncated } = await loadHeaders(server(all), { pageSize: 10, maxPages: 2 })
    expect(truncated).toBe(true)
    expect(headers.length).toBeLessThan(50)
  })

  it('headers - messages received in the same millisecond keep their arrival order', async () => {
    const all = [header(1, 5), header(2, 5), header(3, 5)]
    const { headers } = await loadHeaders(server(all))
    expect(headers.map((h) => h.mid)).toEqual(['m3', 'm2', 'm1'])
  })
})
