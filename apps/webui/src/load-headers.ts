/** Largest page the server gives (`HEADERS_MAX_LIMIT`). */
export const PAGE_SIZE = 1000
/** Most messages the list shows: one short of a page, so a full page proves there are more. */
export const MAX_SHOWN = PAGE_SIZE - 1

/** What the loader asks of the server's headers listing. */
export interface NewestQuery {
  order: 'desc'
  limit: number
}

/**
 * Reads a mailbox's newest headers, newest first (the server sorts with `order: 'desc'`, so new
 * arrivals are always in the list however large the mailbox grows). Asks for one more than it
 * shows: receiving it is how it knows older messages were left out (`truncated`).
 */
export async function loadHeaders<H>(
  page: (query: NewestQuery) => Promise<H[]>,
  options: { maxShown?: number } = {},
): Promise<{ headers: H[]; truncated: boolean }> {
  const maxShown = Math.min(options.maxShown ?? MAX_SHOWN, MAX_SHOWN)
  const batch = await page({ order: 'desc', limit: maxShown + 1 })
  return { headers: batch.slice(0, maxShown), truncated: batch.length > maxShown }
}
