import { describe, expect, it } from 'vitest'
import { loadHeaders, MAX_SHOWN, type NewestQuery, PAGE_SIZE } from './load-headers.js'

const header = (n: number, at = n) => ({ mid: `m${n}`, receivedAt: new Date(1_000_000 + at) })
type Header = ReturnType<typeof header>

/** A server listing like /v1/mailboxes/{r}/headers: oldest first, or newest first with order=desc. */
function server(all: Header[]) {
  const queries: NewestQuery[] = []
  const page = async (q: NewestQuery) => {
    queries.push(q)
    if (q.limit > PAGE_SIZE) throw new Error('limit above the server maximum')
    const sorted = q.order === 'desc' ? [...all].reverse() : all
    return sorted.slice(0, q.limit)
  }
  return { page, queries }
}

describe('load headers', () => {
  it('headers - a mailbox larger than the list shows its newest messages and says older ones are left out', async () => {
    const all = Array.from({ length: 50 }, (_, i) => header(i))
    const { page } = server(all)
    const { headers, truncated } = await loadHeaders(page, { maxShown: 10 })
    expect(truncated).toBe(true)
    expect(headers.map((h) => h.mid)).toEqual(
      all
        .slice(40)
        .map((h) => h.mid)
        .reverse(),
    )
  })

  it('headers - a message arriving in a full mailbox is at the top of the next load', async () => {
    const all = Array.from({ length: 2 * PAGE_SIZE }, (_, i) => header(i))
    const { page } = server(all)
    await loadHeaders(page)
    all.push(header(9999))
    const { headers } = await loadHeaders(page)
    expect(headers[0]?.mid).toBe('m9999')
    expect(headers).toHaveLength(MAX_SHOWN)
  })

  it('headers - a mailbox that fits is listed whole, newest first, in one request within the server limit', async () => {
    const all = [header(1, 5), header(2, 5), header(3, 7)]
    const { page, queries } = server(all)
    const { headers, truncated } = await loadHeaders(page)
    expect(truncated).toBe(false)
    expect(headers.map((h) => h.mid)).toEqual(['m3', 'm2', 'm1'])
    expect(queries).toEqual([{ order: 'desc', limit: PAGE_SIZE }])
  })

  it('headers - exactly as many messages as the list shows is complete, not truncated', async () => {
    const { page } = server(Array.from({ length: 10 }, (_, i) => header(i)))
    expect((await loadHeaders(page, { maxShown: 10 })).truncated).toBe(false)
  })
})
