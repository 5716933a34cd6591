/** How long a newly seen message stays highlighted, in ms. */
export const FRESH_MS = 6000

/** When each recently arrived message was first seen (server time, ms), by mid. */
export type FreshMarks = ReadonlyMap<string, number>

/**
 * The headers of `latest` whose mid is not in `known`. On the first load (`known` undefined)
 * everything is old news: nothing has arrived.
 *
 * @example
 * ```ts
 * findArrivals(new Set(['a']), [{ mid: 'a' }, { mid: 'b' }]) // [{ mid: 'b' }]
 * ```
 */
export function findArrivals<H extends { mid: string }>(
  known: ReadonlySet<string> | undefined,
  latest: readonly H[],
): H[] {
  return known ? latest.filter((h) => !known.has(h.mid)) : []
}

/** `marks` with `mids` marked fresh at `at`, and marks older than {@link FRESH_MS} dropped. */
export function markFresh(marks: FreshMarks, mids: readonly string[], at: number): Map<string, number> {
  const next = new Map([...marks].filter(([, t]) => at - t < FRESH_MS))
  for (const mid of mids) next.set(mid, at)
  return next
}

/** True while the message `mid` is highlighted as new at `now`. */
export function isFresh(marks: FreshMarks, mid: string, now: number): boolean {
  return (marks.get(mid) ?? 0) > now - FRESH_MS
}

/** What a screen reader hears when messages arrive, e.g. `2 new messages in orders@shop`. */
export function arrivalAnnouncement(count: number, receiver: string): string {
  return `${count} new ${count === 1 ? 'message' : 'messages'} in ${receiver}`
}
