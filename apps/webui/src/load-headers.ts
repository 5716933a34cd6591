/** The part of a header the loader needs. */
export interface Paged {
  mid: string
  receivedAt: Date
}

/** Largest page the server gives (`HEADERS_MAX_LIMIT`). */
export const PAGE_SIZE = 1000
/** Most pages read per refresh: a very large mailbox shows its oldest messages and says so. */
export const MAX_PAGES = 3

/**
 * Reads a mailbox's headers page by page (the server lists them oldest first, `since` inclusive),
 * dropping the repeats a page boundary brings, up to `maxPages` pages. Returns them newest first,
 * and whether more were left unread.
 */
export async function loadHeaders<H extends Paged>(
  page: (query: { since?: Date; limit: number }) => Promise<H[]>,
  options: { pageSize?: number; maxPages?: number } = {},
): Promise<{ headers: H[]; truncated: boolean }> {
  const pageSize = options.pageSize ?? PAGE_SIZE
  const maxPages = options.maxPages ?? MAX_PAGES
  const seen = new Set<string>()
  const all: H[] = []
  let since: Date | undefined
  for (let i = 0; i < maxPages; i++) {
    const batch = await page(since ? { since, limit: pageSize } : { limit: pageSize })
    let added = 0
    for (const h of batch) {
      if (seen.has(h.mid)) continue
      seen.add(h.mid)
      all.push(h)
      added++
    }
    const last = batch.at(-1)
    if (batch.length < pageSize || !last) return { headers: newestFirst(all), truncated: false }
    // A page full of one instant cannot move forward with an inclusive `since`.
    if (added === 0) break
    since = last.receivedAt
  }
  return { headers: newestFirst(all), truncated: true }
}

function newestFirst<H extends Paged>(list: H[]): H[] {
  // Arrival order breaks ties: reversing the oldest-first list keeps it.
  return list
    .map((h, i) => ({ h, i }))
    .sort((a, b) => b.h.receivedAt.getTime() - a.h.receivedAt.getTime() || b.i - a.i)
    .map((x) => x.h)
}
