import type BetterSqlite3 from 'better-sqlite3'

interface Pending {
  op: () => unknown
  /** Must be on disk before its caller is answered (else the OS page cache is enough). */
  durable: boolean
  resolve: (value: unknown) => void
  reject: (error: unknown) => void
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown }

/**
 * Group commit: every write submitted during one tick runs in ONE transaction, flushed on the
 * next macrotask. With `synchronous=FULL` each commit costs an fsync, so sharing it between all
 * concurrent callers multiplies throughput; no caller is answered before the commit is durable.
 *
 * A group first runs without savepoints (a savepoint per operation cost ~20 % of a busy drain).
 * If any operation throws, that attempt is rolled back whole and the group runs again with each
 * operation inside its own savepoint, so the one that throws is rolled back and fails alone while
 * the others still commit. Operations must therefore touch nothing but the database (they may run
 * twice; only the committed run's results are returned).
 */
export class GroupCommit {
  readonly #runGroup: BetterSqlite3.Transaction<(group: readonly Pending[]) => Outcome[]>
  /** The same group without savepoints: the usual case, where no operation fails. */
  readonly #runFast: BetterSqlite3.Transaction<(group: readonly Pending[]) => unknown[]>
  #queue: Pending[] = []
  #idle: Promise<void> | undefined
  /** How many group transactions were attempted; for tests and metrics. */
  groups = 0

  readonly #db: BetterSqlite3.Database
  /** Whether commits fsync at all (`synchronous=full`); when false every commit is NORMAL. */
  readonly #fsync: boolean
  #level: 'FULL' | 'NORMAL' | undefined

  constructor(db: BetterSqlite3.Database, options: { fsync: boolean } = { fsync: true }) {
    this.#db = db
    this.#fsync = options.fsync
    this.#runFast = db.transaction((group: readonly Pending[]) =>
      group.map((p) => {
        try {
          return p.op()
        } catch (error) {
          throw new OperationFailed(error)
        }
      }),
    )
    // Created once: better-sqlite3 turns a nested transaction call into a SAVEPOINT.
    const runOne = db.transaction((op: () => unknown) => op())
    this.#runGroup = db.transaction((group: readonly Pending[]) =>
      group.map((p): Outcome => {
        try {
          return { ok: true, value: runOne(p.op) }
        } catch (error) {
          // Some errors (disk full, I/O) make SQLite roll back the whole transaction, not just the
          // savepoint: the group is lost, so fail it all rather than run the rest outside of it.
          if (!db.inTransaction) throw error
          return { ok: false, error }
        }
      }),
    )
  }

  /**
   * Queues `op` (synchronous SQL) for the next group; resolves with its result once committed.
   * A `durable` op's group is fsynced before anyone is answered (with `synchronous=full`); a group
   * of only non-durable ops (leases, renewals: losing one to a power cut only means an earlier
   * redelivery) commits without an fsync — the next durable commit syncs its log pages too.
   */
  submit<T>(op: () => T, durable = true): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({ op, durable, resolve: resolve as (value: unknown) => void, reject })
      if (!this.#idle) {
        this.#idle = new Promise((settle) => {
          setImmediate(() => {
            this.#idle = undefined
            this.#flush()
            settle()
          })
        })
      }
    })
  }

  /** Resolves once every operation submitted so far has been committed (or failed). */
  async drained(): Promise<void> {
    while (this.#idle) await this.#idle
  }

  #flush(): void {
    const group = this.#queue
    this.#queue = []
    this.groups++
    let outcomes: Outcome[]
    const level = this.#fsync && group.some((p) => p.durable) ? 'FULL' : 'NORMAL'
    if (level !== this.#level) {
      this.#db.pragma(`synchronous = ${level}`)
      this.#level = level
    }
    try {
      // IMMEDIATE takes the write lock up front (waiting busy_timeout for another process) rather
      // than failing with SQLITE_BUSY at the first write.
      try {
        outcomes = this.#runFast.immediate(group).map((value): Outcome => ({ ok: true, value }))
      } catch (error) {
        if (!(error instanceof OperationFailed)) throw error
        // An operation threw and better-sqlite3 rolled the attempt back: run again, isolating it.
        outcomes = this.#runGroup.immediate(group)
      }
    } catch (error) {
      // The commit itself failed (disk full, I/O error, lock timeout): nothing of the group is stored.
      for (const p of group) p.reject(error)
      return
    }
    group.forEach((p, i) => {
      const outcome = outcomes[i]!
      if (outcome.ok) p.resolve(outcome.value)
      else p.reject(outcome.error)
    })
  }
}

/** Marks an operation's own failure in a savepoint-free attempt (as opposed to the commit's). */
class OperationFailed extends Error {
  constructor(readonly reason: unknown) {
    super('operation failed')
  }
}
