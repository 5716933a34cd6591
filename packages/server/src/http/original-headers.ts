import { isActiveStatus, type MessageHeader, type MessageStore, statusName } from '@pandora/core'
import { goTime } from './go-format.js'

/** Most rows the original's `/admin/headers` returns (its handler read into a `[10]Message`). */
export const ORIGINAL_HEADERS_PAGE = 10

/** How many headers to read from the store per step while looking for pending ones. */
const SCAN_PAGE = 1000
/** Upper bound on store reads for one listing, so a huge mailbox cannot hold a request forever. */
const SCAN_MAX_STEPS = 100

/** Pending in the original's sense: due, not under a live lease, not final. */
function isPending(h: MessageHeader, now: number): boolean {
  return isActiveStatus(h.status) && h.sendWhen <= now && (h.leasedUntil === null || h.leasedUntil <= now)
}

/**
 * The original's `FetchHeaders`: up to `limit` pending messages of `receiver` received strictly
 * after `after` (epoch ms), oldest first. The store lists every state, so this pages through its
 * headers (oldest first) and keeps the pending ones.
 */
export async function originalHeaders(
  store: Pick<MessageStore, 'headers'>,
  receiver: string,
  after: number,
  now: number,
  limit: number,
): Promise<MessageHeader[]> {
  const out: MessageHeader[] = []
  const seen = new Set<string>()
  // Store times are whole milliseconds: "strictly after T" is "at or after floor(T) + 1".
  let since = Number.isFinite(after) ? Math.floor(after) + 1 : 0
  for (let step = 0; step < SCAN_MAX_STEPS; step++) {
    const page = await store.headers(receiver, { since, limit: SCAN_PAGE, order: 'asc' })
    for (const h of page) {
      if (seen.has(h.mid)) continue
      seen.add(h.mid)
      if (isPending(h, now)) out.push(h)
      if (out.length === limit) return out
    }
    const last = page.at(-1)
    // A short page is the end; a page that cannot move the bound on (all one millisecond) stops too.
    if (page.length < SCAN_PAGE || !last || last.receivedAt === since) break
    since = last.receivedAt
  }
  return out
}

/**
 * A header as the original's `Message.WriteTo` wrote it into `url.Values`, which Go encodes as a
 * JSON object of string arrays (keys in Go's sorted order). Nobody holds a pending message's
 * lease, so `lid` is empty, as the original printed a nil key.
 */
export function originalHeaderValues(h: MessageHeader): Record<string, [string]> {
  return {
    deliveryCount: [String(h.deliveryCount)],
    leasedUntil: [goTime(h.leasedUntil)],
    lid: [''],
    mid: [h.mid],
    receivedAt: [goTime(h.receivedAt)],
    sendWhen: [goTime(h.sendWhen)],
    status: [statusName(h.status) ?? 'unknown'],
    statusCode: [String(h.status)],
    validBody: ['true'],
  }
}
