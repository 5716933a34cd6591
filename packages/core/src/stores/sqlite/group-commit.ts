import { closeSync, fsync, openSync } from 'node:fs'
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
 * next macrotask, so concurrent callers share one commit.
 *
 * Durability without blocking the event loop: SQLite runs with `synchronous=NORMAL` (a commit
 * writes the write-ahead log into the OS page cache, no fsync), and when a group holds a durable
 * operation this class fsyncs the WAL file itself on libuv's thread pool, answering that group's
 * callers only once the fsync is done — the guarantee of `synchronous=FULL` (in WAL mode FULL is
 * exactly "fsync the WAL at commit"), without the event loop waiting for the disk. While one fsync
 * runs, further groups commit; one more fsync then covers all of them, so a busy queue shares each
 * fsync between many messages.
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

  /** How many fsyncs of the WAL ran; with {@link durableWrites}, messages per fsync. */
  fsyncs = 0
  /** How many durable operations were committed. */
  durableWrites = 0

  /** The WAL file to fsync after a durable group; undefined: never fsync (NORMAL, or in memory). */
  readonly #walPath: string | undefined
  #walFd: number | undefined
  #syncRunning: Promise<void> | undefined
  #syncQueued: Promise<void> | undefined
  /** Groups committed but waiting for their fsync, so `drained()` can wait for them too. */
  readonly #syncing = new Set<Promise<void>>()

  /** Called after each group that committed (e.g. to schedule a checkpoint). */
  readonly #onCommit: () => void
  /** Asked before each group: a promise means wait for it before committing (see {@link GroupCommit} options). */
  readonly #hold: () => Promise<void> | undefined

  constructor(
    db: BetterSqlite3.Database,
    options: {
      walPath?: string | undefined
      onCommit?: (() => void) | undefined
      /**
       * Asked before each group commits: undefined to go ahead, or a promise (that never rejects)
       * to wait for first — operations submitted meanwhile join the group. The background
       * checkpointer holds writes this way while it catches up with the log.
       */
      hold?: (() => Promise<void> | undefined) | undefined
    } = {},
  ) {
    this.#walPath = options.walPath
    this.#onCommit = options.onCommit ?? (() => {})
    this.#hold = options.hold ?? (() => undefined)
    db.pragma('synchronous = NORMAL')
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
          const go = () => {
            this.#idle = undefined
            this.#flush()
            settle()
          }
          setImmediate(() => {
            const held = this.#hold()
            if (held) void held.then(go)
            else go()
          })
        })
      }
    })
  }

  /** Resolves once every operation submitted so far has been committed (and synced), or failed. */
  async drained(): Promise<void> {
    while (this.#idle || this.#syncing.size > 0) {
      if (this.#idle) await this.#idle
      await Promise.allSettled([...this.#syncing])
    }
  }

  /** Closes the WAL file this class opened to fsync it; call after {@link drained}. */
  close(): void {
    if (this.#walFd !== undefined) closeSync(this.#walFd)
    this.#walFd = undefined
  }

  /** Fsyncs the WAL off the event loop; a call made while one runs waits for the next one. */
  #sync(): Promise<void> {
    if (!this.#syncRunning) {
      this.#walFd ??= openSync(this.#walPath!, 'r+')
      const fd = this.#walFd
      this.fsyncs++
      this.#syncRunning = new Promise<void>((resolve, reject) =>
        fsync(fd, (error) => (error ? reject(error) : resolve())),
      ).finally(() => {
        this.#syncRunning = undefined
      })
      return this.#syncRunning
    }
    // The running fsync may have started before this group's commit: wait for the next one.
    this.#syncQueued ??= this.#syncRunning.then(
      () => {
        this.#syncQueued = undefined
        return this.#sync()
      },
      () => {
        this.#syncQueued = undefined
        return this.#sync()
      },
    )
    return this.#syncQueued
  }

  #flush(): void {
    const group = this.#queue
    this.#queue = []
    this.groups++
    let outcomes: Outcome[]
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
    this.#onCommit()
    const answer = () =>
      group.forEach((p, i) => {
        const outcome = outcomes[i]!
        if (outcome.ok) p.resolve(outcome.value)
        else p.reject(outcome.error)
      })
    const durable = group.filter((p) => p.durable).length
    if (durable === 0 || this.#walPath === undefined) {
      answer()
      return
    }
    this.durableWrites += durable
    // Committed; answered once on disk. A failed fsync leaves it unknown whether the group
    // survives a power cut: its callers get the error (a retried send is idempotent).
    let synced: Promise<void>
    try {
      synced = this.#sync()
    } catch (error) {
      for (const p of group) p.reject(error)
      return
    }
    const waiting = synced.then(answer, (error: unknown) => {
      for (const p of group) p.reject(error)
    })
    this.#syncing.add(waiting)
    void waiting.finally(() => this.#syncing.delete(waiting))
  }
}

/** Marks an operation's own failure in a savepoint-free attempt (as opposed to the commit's). */
class OperationFailed extends Error {
  constructor(readonly reason: unknown) {
    super('operation failed')
  }
}
