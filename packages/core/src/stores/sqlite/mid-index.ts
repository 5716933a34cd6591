import type BetterSqlite3 from 'better-sqlite3'

/** How many rows may wait for their mids to be merged into `mids` (see {@link MidIndex}). */
export const MID_MERGE_AT = 4096

/** The statements of the store's own (prepared) set that the index runs. */
type MidStatements = Record<
  'midsMergedTo' | 'unmergedMids' | 'lastSeq' | 'mergeMids' | 'setMidsMergedTo',
  BetterSqlite3.Statement
>

/**
 * Which row holds a message, by its mid, without a b-tree insert per send. A unique index on mid
 * gave each send's entry a random leaf of a tree that holds every message ever sent (mids are
 * SHA-1s): a commit of 64 sends wrote ~101 pages, 87 of them that index's (measured, 100k
 * messages), and the log's writes were the largest cost of a send. Now the index has two parts:
 *
 * - `mids` (a table keyed by mid) holds the rows up to `mids_merged_to`. They are merged in
 *   batches of {@link MID_MERGE_AT}, sorted by mid, so a leaf takes many entries for one write;
 * - the rows after it are indexed here, in memory (read back from the table at open: it holds at
 *   most a batch or so), and every lookup first asks this map.
 *
 * The map is a hint, never the truth: a lookup always checks that the row it names holds that mid
 * (see `BY_MID` in statements.ts). So an entry whose write was rolled back, or whose row was purged,
 * misleads nobody; what matters is that every committed row after `mids_merged_to` has its entry,
 * which holds because each insert adds it (a write that runs twice adds it twice) and a merge drops
 * entries only once its transaction has committed. seq is AUTOINCREMENT, so every row inserted
 * after a merge has a seq above what that merge covered.
 *
 * One process per database file (as docs/stores.md says of the SQLite store): another process's
 * sends would not be in this map.
 */
export class MidIndex {
  /** mid → seq of the rows after `mids_merged_to`. */
  readonly #recent = new Map<string, number>()
  readonly #mergeAt: number
  readonly #sql: MidStatements
  /** The last seq whose mid is in `mids`. */
  #mergedTo: number
  #merging = false

  /** Reads the unmerged rows' mids, with the statements of a migrated database. */
  constructor(statements: MidStatements, mergeAt = MID_MERGE_AT) {
    this.#sql = statements
    this.#mergeAt = mergeAt
    const state = statements.midsMergedTo.get() as { value: number } | undefined
    this.#mergedTo = state?.value ?? 0
    for (const row of statements.unmergedMids.iterate(this.#mergedTo) as Iterable<{
      mid: string
      seq: number
    }>)
      this.#recent.set(row.mid, row.seq)
  }

  /** The row this map names for `mid`, or null (then `mids` is asked). */
  hint(mid: string): number | null {
    return this.#recent.get(mid) ?? null
  }

  /** A row was inserted for `mid` (in a write that may yet roll back: the entry is only a hint). */
  added(mid: string, seq: number): void {
    this.#recent.set(mid, seq)
  }

  /**
   * When a merge is due and none runs: the write that merges (to run inside a write transaction;
   * it returns the last seq it covered), and what to call once that write has committed.
   */
  mergeDue(): { write: () => number; committed: (to: number) => void; failed: () => void } | undefined {
    if (this.#merging || this.#recent.size < this.#mergeAt) return undefined
    this.#merging = true
    const from = this.#mergedTo
    const statements = this.#sql
    return {
      // Everything in the table up to its last row, read inside the write: rows whose writes rolled
      // back are simply not there, and rows a later group adds get a higher seq.
      write: () => {
        const to = (statements.lastSeq.get() as { seq: number | null }).seq ?? from
        if (to > from) {
          statements.mergeMids.run(from, to)
          statements.setMidsMergedTo.run(to)
        }
        return Math.max(to, from)
      },
      committed: (to) => {
        this.#merging = false
        this.#mergedTo = to
        for (const [mid, seq] of this.#recent) if (seq <= to) this.#recent.delete(mid)
      },
      failed: () => {
        this.#merging = false
      },
    }
  }
}
