import { resolve as resolvePath } from 'node:path'
import type BetterSqlite3 from 'better-sqlite3'
import { AvailabilitySignal } from '../../availability.js'
import type { Clock } from '../../clock.js'
import { PandoraError } from '../../errors.js'
import { contentKey, newLeaseId, parseKey } from '../../key.js'
import { PRIORITY_MAX } from '../../limits.js'
import { assertMailbox } from '../../mailbox.js'
import {
  type LeasedMessage,
  type MessageHeader,
  type PreparedMessage,
  prepareAll,
  prepareEach,
  type SendInput,
  type SendResult,
  type StoredMessage,
  storeEach,
} from '../../message.js'
import { checkRetryPolicy, type RetryPolicy, type RetryPolicyInput } from '../../retry-policy.js'
import { isActiveStatus, Status, type StatusCode } from '../../status.js'
import type {
  AckItem,
  AvailabilityListener,
  FetchOptions,
  HeadersQuery,
  MailboxStats,
  MailboxTotals,
  Store,
  StoreLimits,
  StoreOptions,
  WriteStats,
} from '../../store.js'
import {
  type AckOptions,
  checkAck,
  checkAcks,
  checkFetch,
  checkHeaders,
  checkMids,
  checkRenew,
} from '../../store-input.js'
import { asBuffer } from '../buffer-view.js'
import {
  assertDelta,
  assertLeaseHolds,
  expiryDelay,
  isExhausted,
  maxDeliveriesOf,
  type ResolvedStoreOptions,
  rejectDelay,
  sharedBlobKeys,
  statusWhenLeased,
} from '../store-rules.js'
import { assertIntact, expiredFailure, headerAt, leasedFields, verifiedFields } from '../stored-view.js'
import type { Checkpointer } from './checkpointer.js'
import { GroupCommit } from './group-commit.js'
import { LeaseRows } from './lease-rows.js'
import { type CountsQuery, type CountsResult, countMailboxes } from './mailbox-counts.js'
import { MidIndex } from './mid-index.js'
import { migrate } from './migrations.js'
import { type ReadStep, type ReadWorker, resolveDriver } from './read-worker.js'
import { type DueRow, type MessageRow, prepareStatements, SQL, type Statements } from './statements.js'

/**
 * The better-sqlite3 `Database` class (the module's default export), injected so nothing loads it
 * eagerly. Typed structurally so that users of this package need not install better-sqlite3's types.
 */
export type SqliteDriver = new (filename: string, options?: { timeout?: number }) => object

/** Options of the {@link SqliteStore}. */
export interface SqliteStoreOptions extends StoreOptions {
  /** Database file; `':memory:'` for a private in-memory database. Created when missing. */
  path: string
  /**
   * When a commit is flushed to disk:
   * - `'full'` (default): SQLite fsyncs the write-ahead log before a send (or a redrive or purge)
   *   is answered, so a send that returned survives `kill -9` and power loss alike. Group commit
   *   shares one fsync between every operation of a tick. Leases, renewals and acks are committed
   *   without their own fsync (the next send's fsync covers them): a process crash loses none of
   *   them, a power cut may forget the last few, whose messages are then delivered again — which
   *   at-least-once delivery allows — but never loses a message.
   * - `'normal'`: no fsync at commit (only at checkpoints). A send that returned still survives
   *   the process dying (the log is in the OS page cache), but the last commits may be lost to
   *   a power cut or an OS crash. Faster on disks with slow fsync; the file is never corrupted.
   */
  synchronous?: 'full' | 'normal'
  /**
   * Run the reads that grow with the store (counts, listings) on a worker thread with a read-only
   * connection of its own, so they never stall the event loop (default true; ignored for
   * `':memory:'`).
   */
  readWorker?: boolean
  /**
   * Run SQLite's WAL checkpoints (copying the log back into the database file, with an fsync) on a
   * worker thread instead of on the writing connection, where they stall the event loop every
   * 1,000 pages of log (default true). Faster sends and drains and a lower push p99; past 16,384
   * pages of log, writes wait for one checkpoint so the log starts over (docs/stores.md has the
   * measurements). `false` keeps SQLite's automatic checkpoints. Ignored for `':memory:'`.
   */
  backgroundCheckpoints?: boolean
  /** How long a writer waits for another process's lock before failing, in ms (default 5000). */
  busyTimeout?: number
}

/**
 * The embedded store: one SQLite file (write-ahead log) holding messages and their blobs, for a
 * single machine. Writes arriving in the same tick are committed together in one transaction
 * (group commit), a failing one rolled back alone (see {@link GroupCommit}), and answered only once
 * that transaction is on disk.
 * Fetch and `nextDueIn` read the head of a partial index of deliverable messages: O(log n) with
 * millions pending. Time decisions use the injected clock.
 *
 * Open it with {@link openSqliteStore}, which validates the options, loads better-sqlite3 lazily,
 * opens and migrates the file; the constructor only wraps a database it opened.
 *
 * @example
 * ```ts
 * const store = await openSqliteStore({ path: 'pandora.db' })
 * const { mid } = await store.send({ sender: 'a@local', receiver: 'b@local', fields: { hi: 'there' } })
 * const [msg] = await store.fetch('b@local', { leaseTime: 30_000 })
 * await store.ack(msg.mid, msg.lid, Status.confirmed)
 * await store.close()
 * ```
 */
export class SqliteStore implements Store {
  readonly kind = 'sqlite'
  readonly limits: StoreLimits
  readonly clock: Clock
  readonly #db: BetterSqlite3.Database
  readonly #sql: Statements
  readonly #group: GroupCommit
  readonly #clock: Clock
  readonly #maxSize: number
  readonly #maxDeliveries: number
  readonly #signal: AvailabilitySignal
  readonly #random: () => number
  /** Rows of the leases handed out, so a confirm seeks by rowid (see LeaseRows). */
  readonly #leaseRows = new LeaseRows()
  /** Which row holds a mid: merged into `mids`, or (the latest rows) in memory (see MidIndex). */
  readonly #mids: MidIndex
  /** Header and body read by one statement, so another process cannot confirm in between. */
  readonly #readMessage: (mid: string) => StoredMessage | null
  /** Runs reads in one snapshot (a read transaction), so counts add up: on the worker when there is one. */
  readonly #read: (steps: readonly ReadStep[]) => Promise<unknown[]>
  readonly #reader: ReadWorker | undefined
  /** Counts mailboxes in one snapshot: on the worker when there is one. */
  readonly #countReads: (query: CountsQuery) => Promise<CountsResult>
  readonly #checkpointer: Checkpointer | undefined
  #closed = false

  /** @internal Use {@link openSqliteStore}: it opens `db` and resolves `options`. */
  constructor(
    db: BetterSqlite3.Database,
    options: ResolvedStoreOptions & {
      synchronous: 'full' | 'normal'
      reader?: ReadWorker | undefined
      checkpointer?: Checkpointer | undefined
    },
  ) {
    this.clock = this.#clock = options.clock
    this.#maxSize = options.maxSize
    this.#maxDeliveries = options.maxDeliveries
    this.limits = { maxSize: options.maxSize, maxDeliveries: options.maxDeliveries }
    this.#signal = new AvailabilitySignal(options.onError)
    this.#random = options.random
    this.#sql = prepareStatements(db)
    this.#mids = new MidIndex(this.#sql)
    this.#db = db
    // FULL: the group commit fsyncs the write-ahead log itself, off the event loop (see GroupCommit).
    const checkpointer = options.checkpointer
    if (checkpointer) {
      // The worker checkpoints; should it fail, SQLite's own automatic checkpoints take over again.
      db.pragma('wal_autocheckpoint = 0')
      // A log that grew to the hold's length is cut back to it once it starts over.
      const pageSize = db.pragma('page_size', { simple: true }) as number
      db.pragma(`journal_size_limit = ${checkpointer.restartFrames * pageSize}`)
      checkpointer.onFailure = (error) => {
        if (db.open) db.pragma('wal_autocheckpoint = 1000')
        options.onError(error)
      }
    }
    this.#checkpointer = checkpointer
    this.#group = new GroupCommit(db, {
      walPath: options.synchronous === 'full' && !db.memory ? `${resolvePath(db.name)}-wal` : undefined,
      onCommit: checkpointer && (() => checkpointer.nudge()),
      hold: checkpointer && (() => checkpointer.holdWrites()),
    })
    this.#reader = options.reader
    const byText = new Map<string, BetterSqlite3.Statement>(
      Object.entries(SQL).map(([name, sql]) => [sql, this.#sql[name as keyof Statements]]),
    )
    const snapshot = db.transaction((steps: readonly ReadStep[]) =>
      steps.map(([sql, mode, params]) => {
        const statement = byText.get(sql)!
        return mode === 'all' ? statement.all(params ?? {}) : statement.get(params ?? {})
      }),
    )
    this.#read = options.reader
      ? (steps) => options.reader!.read(steps)
      : async (steps) => snapshot(steps) as unknown[]
    const countSnapshot = db.transaction((query: CountsQuery) =>
      countMailboxes((sql) => byText.get(sql)!, query),
    )
    this.#countReads = options.reader
      ? (query) => options.reader!.counts(query)
      : async (query) => countSnapshot(query)
    this.#readMessage = (mid: string) => {
      const row = this.#sql.withBody.get(this.#mids.hint(mid), mid, mid) as BodyRow | undefined
      if (row === undefined) return null
      const header = headerAt(toHeader(row), row.lid !== null, this.#clock.now())
      return { ...header, fields: verifiedFields(row.blob, row.text, row.receiver) }
    }
  }

  /**
   * Resolves once the background worker has next copied the write-ahead log into the database file
   * (soon after any commit); at once when checkpoints run on the store's own connection.
   */
  async checkpointed(): Promise<void> {
    await this.#checkpointer?.completed()
  }

  /** Group commits so far, the fsyncs of the log and the durable writes they covered (see {@link WriteStats}). */
  writeStats(): WriteStats {
    const g = this.#group
    return { commits: g.groups, fsyncs: g.fsyncs, durableWrites: g.durableWrites }
  }

  async ready(): Promise<void> {
    this.#open()
  }

  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    this.#signal.clear()
    // Operations already queued were promised an answer: let them commit first.
    await this.#group.drained()
    this.#group.close()
    await this.#reader?.close()
    // Before the connection: closing the last connection checkpoints what is left.
    await this.#checkpointer?.close()
    this.#db.close()
  }

  async send(input: SendInput): Promise<SendResult> {
    const [result] = await this.sendBatch([input])
    return result!
  }

  async sendBatch(inputs: readonly SendInput[]): Promise<SendResult[]> {
    this.#open()
    const now = this.#clock.now()
    const prepared = prepareAll(inputs, { now, maxSize: this.#maxSize })
    return this.#store(prepared, now)
  }

  async sendMany(inputs: readonly SendInput[]): Promise<(SendResult | PandoraError)[]> {
    this.#open()
    const now = this.#clock.now()
    const prepared = await prepareEach(inputs, { now, maxSize: this.#maxSize })
    return storeEach(prepared, (valid) => this.#store(valid, now))
  }

  async #store(prepared: readonly PreparedMessage[], now: number): Promise<SendResult[]> {
    this.#open()
    if (prepared.length === 0) return []
    const shared = sharedBlobKeys(prepared)
    const results = await this.#write(() => prepared.map((p) => this.#insert(p, now, shared.has(p.blob))))
    // Delayed sends too: a listener's timer must learn of an earlier next due time.
    const touched = new Set(prepared.filter((_, i) => !results[i]!.duplicate).map((p) => p.receiver))
    for (const receiver of touched) this.#signal.notify(receiver)
    this.#mergeMids()
    return results
  }

  /** Merges the latest rows' mids into `mids` once enough are waiting (see MidIndex), in a write of its own. */
  #mergeMids(): void {
    const merge = this.#mids.mergeDue()
    if (merge) void this.#write({ durable: false }, merge.write).then(merge.committed, merge.failed)
  }

  /** Inserts one message, its body inline or (`inBlobs`) as a reference to a shared blob. */
  #insert(p: PreparedMessage, now: number, inBlobs: boolean): SendResult {
    // The same body to the same receiver is the same mid: stored once.
    if (this.#sql.seqOfMid.get(this.#mids.hint(p.mid), p.mid, p.mid) !== undefined)
      return { mid: p.mid, duplicate: true }
    const sendWhen = now + p.delay
    const inserted = this.#sql.insertMessage.run(
      p.mid,
      p.receiver,
      p.sender,
      now,
      sendWhen,
      sendWhen,
      p.bytes.byteLength,
      p.priority,
      p.blob,
      inBlobs ? null : asBuffer(p.shared),
      inBlobs ? 1 : 0,
    )
    this.#mids.added(p.mid, Number(inserted.lastInsertRowid))
    // The body without its receiver: one blob for every recipient of it, a reference each.
    if (inBlobs) this.#sql.putBlob.run(p.blob, asBuffer(p.shared))
    return { mid: p.mid, duplicate: false }
  }

  async fetch(receiver: string, options: FetchOptions): Promise<LeasedMessage[]> {
    this.#open()
    const { receiver: name, leaseTime, max } = checkFetch(receiver, options)
    return this.#write({ durable: false }, () => {
      const now = this.#clock.now()
      const policy = this.#policy(name)
      const maxDeliveries = maxDeliveriesOf(policy, this.#maxDeliveries)
      const out: LeasedMessage[] = []
      // The priority levels present, highest first: each a seek, each level's due head another.
      let level = this.#levelBelow(name, PRIORITY_MAX + 1)
      while (level !== undefined) {
        const want = max - out.length
        const rows = this.#sql.due.all({ receiver: name, priority: level, now, limit: want }) as DueRow[]
        for (const row of rows) {
          const [
            seq,
            mid,
            sender,
            stored,
            receivedAt,
            sendWhen,
            leasedUntil,
            lastLid,
            deliveries,
            size,
            storedReason,
            storedFailedAt,
            blob,
            text,
          ] = row
          // A due message that still carries a lid is one whose lease expired.
          const status = statusWhenLeased(stored as StatusCode, lastLid !== null)
          // An expired lease is a failure: record it now, as headers have shown it since.
          let failureReason = storedReason
          let failedAt = storedFailedAt
          if (lastLid !== null && leasedUntil !== null) {
            ;({ failureReason, failedAt } = expiredFailure(leasedUntil))
          }
          if (isExhausted(deliveries, maxDeliveries)) {
            this.#sql.kill.run({ seq, reason: failureReason, failedAt })
            continue
          }
          const lid = newLeaseId()
          const until = now + leaseTime
          const visibleAt = until + expiryDelay(policy, deliveries + 1, maxDeliveries, this.#random)
          this.#sql.lease.run(status, lid, until, visibleAt, failureReason, failedAt, seq)
          this.#leaseRows.add(lid, seq)
          // Unreadable: the lease commits (a delivery) but the message is left out (see leasedFields).
          const fields = leasedFields(blob, text, name)
          if (fields === undefined) continue
          out.push({
            mid,
            sender,
            receiver: name,
            status,
            receivedAt,
            sendWhen,
            leasedUntil: until,
            deliveryCount: deliveries + 1,
            size,
            failureReason,
            failedAt,
            dueAt: visibleAt,
            priority: level,
            lid,
            fields,
          })
        }
        if (out.length >= max) return out
        // Fewer rows than asked: this level has no more due; go down one. Otherwise some may have
        // died or been unreadable: read the level again (both left the index, so this ends).
        if (rows.length < want) level = this.#levelBelow(name, level)
      }
      return out
    })
  }

  async ack(mid: string, lid: string, status: StatusCode, options?: AckOptions): Promise<void> {
    this.#open()
    const a = checkAck(mid, lid, status, options)
    const rejected = await this.#write({ durable: false }, () => this.#ack(a))
    if (rejected !== null) this.#signal.notify(rejected)
  }

  async ackMany(items: readonly AckItem[]): Promise<(PandoraError | null)[]> {
    this.#open()
    const checked = checkAcks(items)
    // One operation of the group commit for the whole batch. An item that fails does so before it
    // writes anything, so catching it here leaves the others' writes whole.
    const { results, rejected } = await this.#write({ durable: false }, () => {
      const rejected = new Set<string>()
      // A batch of rejects is usually one mailbox's: its policy is read once, not per item.
      const policies = new Map<string, RetryPolicy | undefined>()
      const results = checked.map((c) => {
        if (!c.ok) return c.error
        try {
          const receiver = this.#ack(c.ack, policies)
          if (receiver !== null) rejected.add(receiver)
          return null
        } catch (error) {
          if (error instanceof PandoraError) return error
          throw error
        }
      })
      return { results, rejected }
    })
    for (const receiver of rejected) this.#signal.notify(receiver)
    return results
  }

  /** Ends one lease inside a write; returns the receiver to signal when it was given back. */
  #ack(a: ReturnType<typeof checkAck>, policies = new Map<string, RetryPolicy | undefined>()): string | null {
    if (a.status === Status.confirmed) {
      // The usual ack: check the lease and confirm in one statement, seeking the row by rowid when
      // the store remembers the lease's row (or the mid's, see MidIndex); the mid and lid still
      // must match, so a row changed since is not confirmed.
      const hint = this.#leaseRows.take(a.lid) ?? this.#mids.hint(a.mid)
      const hit = this.#sql.confirmLeased.get(hint, a.mid, a.mid, a.lid, this.#clock.now()) as
        | { blob: string; in_blobs: number }
        | undefined
      if (hit === undefined) throw new PandoraError('unable_to_change_status')
      if (hit.in_blobs === 1) this.#dropBlob(hit.blob)
      return null
    }
    this.#leaseRows.take(a.lid)
    const row = this.#leased(a.mid, a.lid)
    const now = this.#clock.now()
    if (!policies.has(row.receiver)) policies.set(row.receiver, this.#policy(row.receiver))
    const policy = policies.get(row.receiver)
    const failure = { seq: row.seq, reason: a.reason, failedAt: now }
    if (isExhausted(row.delivery_count, maxDeliveriesOf(policy, this.#maxDeliveries))) {
      this.#sql.kill.run(failure)
      return null
    }
    const delay = rejectDelay(a.delay, policy, row.delivery_count, this.#random)
    this.#sql.reject.run({ ...failure, visibleAt: now + delay })
    return row.receiver
  }

  async renew(mid: string, lid: string, leaseTime: number): Promise<number> {
    this.#open()
    const r = checkRenew(mid, lid, leaseTime)
    return this.#write({ durable: false }, () => {
      const row = this.#leased(r.mid, r.lid)
      const until = this.#clock.now() + r.leaseTime
      this.#sql.renew.run({ seq: row.seq, until })
      return until
    })
  }

  async headers(receiver: string, query?: HeadersQuery): Promise<MessageHeader[]> {
    this.#open()
    const q = checkHeaders(receiver, query)
    const now = this.#clock.now()
    const sql = q.order === 'desc' ? SQL.headersDesc : SQL.headers
    const [rows] = (await this.#read([
      [sql, 'all', { receiver: q.receiver, since: q.since, limit: q.limit }],
    ])) as [MessageRow[]]
    return rows.map((row) => headerAt(toHeader(row), row.lid !== null, now))
  }

  async get(mid: string): Promise<StoredMessage | null> {
    this.#open()
    return this.#readMessage(parseKey(mid))
  }

  async stats(receiver: string): Promise<MailboxStats> {
    this.#open()
    const [stats] = await this.#counts([assertMailbox(receiver)])
    return stats!
  }

  async totals(): Promise<MailboxTotals> {
    this.#open()
    const { counts, held } = await this.#countReads({
      sql: SQL,
      now: this.#clock.now(),
      receivers: null,
      totals: true,
    })
    const [pending, leased, delayed, dead, confirmed] = counts
    return {
      mailboxes: held,
      pending: pending!,
      leased: leased!,
      delayed: delayed!,
      dead: dead!,
      confirmed: confirmed!,
    }
  }

  async mailboxes(): Promise<MailboxStats[]> {
    this.#open()
    // Listed and counted in one snapshot (so each listed mailbox holds a message), already in
    // JavaScript string order (see countMailboxes).
    return this.#counts(null)
  }

  async mailboxesJson(): Promise<Uint8Array> {
    this.#open()
    const { json } = await this.#countReads({ sql: SQL, now: this.#clock.now(), receivers: null, json: true })
    return json!
  }

  async dead(receiver: string, limit = 100): Promise<MessageHeader[]> {
    this.#open()
    const q = checkHeaders(receiver, { limit })
    const [rows] = (await this.#read([[SQL.dead, 'all', { receiver: q.receiver, limit: q.limit }]])) as [
      MessageRow[],
    ]
    return rows.map(toHeader)
  }

  async redrive(receiver: string, mids?: readonly string[]): Promise<number> {
    this.#open()
    const name = assertMailbox(receiver)
    const only = checkMids(mids)
    const count = await this.#write(() => {
      const now = this.#clock.now()
      if (!only) return this.#sql.redriveAll.run({ receiver: name, now }).changes
      let n = 0
      for (const mid of only)
        n += this.#sql.redriveOne.run({ receiver: name, mid, hint: this.#mids.hint(mid), now }).changes
      return n
    })
    if (count > 0) this.#signal.notify(name)
    return count
  }

  /**
   * Deletes a mailbox's messages in chunks of {@link PURGE_CHUNK}, each its own group commit, so a
   * mailbox of a million messages never holds the event loop for the seconds one DELETE would (the
   * loop serves other requests and sockets between chunks). It removes the messages present when it
   * began: one sent while it runs is kept. The answer waits for the last chunk, and (with
   * `synchronous: 'full'`) for an fsync covering them all; a crash half-way leaves the rest, and
   * purging again removes it.
   */
  async purge(receiver: string): Promise<number> {
    this.#open()
    const name = assertMailbox(receiver)
    let upTo: number | undefined
    let total = 0
    for (;;) {
      const deleted = await this.#write({ durable: false }, () => {
        upTo ??= (this.#sql.lastSeq.get() as { seq: number | null }).seq ?? 0
        const rows = this.#sql.purgeChunk.all({ receiver: name, upTo, limit: PURGE_CHUNK }) as PurgeRow[]
        for (const row of rows) {
          if (row.status !== Status.confirmed && row.in_blobs === 1) this.#dropBlob(row.blob)
          this.#sql.deleteBySeq.run(row.seq)
          this.#sql.deleteMid.run(row.mid, row.seq)
        }
        return rows.length
      })
      total += deleted
      if (deleted < PURGE_CHUNK) break
    }
    // Durable like a send: answered once what it deleted is on disk.
    await this.#write(() => undefined)
    return total
  }

  async retryPolicy(receiver: string): Promise<RetryPolicy> {
    this.#open()
    return this.#policy(assertMailbox(receiver)) ?? {}
  }

  async setRetryPolicy(receiver: string, policy: RetryPolicyInput): Promise<RetryPolicy> {
    this.#open()
    const name = assertMailbox(receiver)
    const checked = checkRetryPolicy(policy)
    await this.#write(() => {
      if (Object.keys(checked).length === 0) this.#sql.deletePolicy.run(name)
      else this.#sql.setPolicy.run({ receiver: name, policy: JSON.stringify(checked) })
    })
    return checked
  }

  /** The stored policy of a mailbox, or undefined: read on the writer's connection, so inside a write it is current. */
  #policy(receiver: string): RetryPolicy | undefined {
    const row = this.#sql.policyOf.get(receiver) as { policy: string } | undefined
    return row === undefined ? undefined : (JSON.parse(row.policy) as RetryPolicy)
  }

  onAvailable(listener: AvailabilityListener): () => void {
    return this.#signal.add(listener)
  }

  async nextDueIn(receiver: string): Promise<number | null> {
    this.#open()
    const name = assertMailbox(receiver)
    // The soonest of each priority level's due head (at most 21 levels, two seeks each): one index
    // serves fetch and this, instead of a second one ordered by due time alone that every lease
    // and every confirm had to keep up to date too.
    let soonest: number | null = null
    for (let level = this.#levelBelow(name, PRIORITY_MAX + 1); level !== undefined; ) {
      const row = this.#sql.nextDue.get({ receiver: name, priority: level }) as { visible_at: number }
      if (soonest === null || row.visible_at < soonest) soonest = row.visible_at
      level = this.#levelBelow(name, level)
    }
    return soonest === null ? null : Math.max(0, soonest - this.#clock.now())
  }

  async putBlob(bytes: Uint8Array): Promise<string> {
    this.#open()
    if (!(bytes instanceof Uint8Array)) throw new PandoraError('nil_body')
    const key = await contentKey(bytes)
    this.#open()
    // Copied: the caller may reuse its array before the group commits.
    const copy = Buffer.from(bytes)
    await this.#write(() => this.#sql.putBlob.run(key, copy))
    return key
  }

  async getBlob(key: string): Promise<Uint8Array | null> {
    this.#open()
    return this.#blob(parseKey(key))
  }

  async updateRefCount(key: string, delta: number): Promise<number> {
    this.#open()
    const k = parseKey(key)
    const d = assertDelta(delta)
    return this.#write(() => {
      const row = this.#sql.addRefs.get(d, k) as { refs: number } | undefined
      return row?.refs ?? 0
    })
  }

  async collectBlobs(): Promise<number> {
    this.#open()
    return this.#write(() => this.#sql.collectAll.run().changes)
  }

  #open(): void {
    if (this.#closed) throw new PandoraError('store_closed')
  }

  /**
   * Runs `op` in the next group transaction (see {@link GroupCommit}). A failure of SQLite itself
   * (lock timeout, disk full, I/O error) becomes `unavailable`: the caller may retry later.
   */
  async #write<T>(...args: [op: () => T] | [options: { durable: boolean }, op: () => T]): Promise<T> {
    // Writes are durable unless said otherwise: leases, renewals and acks may skip the fsync.
    const [options, op] = args.length === 1 ? [{ durable: true }, args[0]] : args
    try {
      return await this.#group.submit(op, options.durable)
    } catch (error) {
      if (error instanceof PandoraError) throw error
      const reason = error instanceof Error ? error.message : String(error)
      throw new PandoraError('unavailable', `SQLite: ${reason}`, { cause: error })
    }
  }

  /** The highest priority below `below` among a mailbox's active messages, if any. */
  #levelBelow(receiver: string, below: number): number | undefined {
    return (this.#sql.levelBelow.get({ receiver, below }) as LevelRow | undefined)?.priority
  }

  /** The message under a live lease `lid`, or `unable_to_change_status`. */
  #leased(mid: string, lid: string): MessageRow {
    const row = this.#sql.byMid.get(this.#mids.hint(mid), mid, mid) as MessageRow | undefined
    const lease = row && { lid: row.lid, leasedUntil: row.leased_until, status: row.status }
    assertLeaseHolds(lease, lid, this.#clock.now())
    return row as MessageRow
  }

  /** The counts of mailboxes as seen now, read together in one snapshot (see countMailboxes). */
  async #counts(receivers: readonly string[] | null): Promise<MailboxStats[]> {
    const query: CountsQuery = {
      sql: SQL,
      now: this.#clock.now(),
      receivers: receivers === null ? null : [...receivers],
    }
    const { receivers: names, counts } = await this.#countReads(query)
    return names.map((receiver, i) => ({
      receiver,
      pending: counts[i * 5]!,
      leased: counts[i * 5 + 1]!,
      delayed: counts[i * 5 + 2]!,
      dead: counts[i * 5 + 3]!,
      confirmed: counts[i * 5 + 4]!,
    }))
  }

  #dropBlob(key: string): void {
    // Most blobs have one reference: delete it outright; otherwise just count one down.
    if (this.#sql.dropLast.run(key).changes === 0) this.#sql.dropRef.run(key)
  }

  /** A blob's bytes, checked against their key. */
  #blob(key: string): Uint8Array | null {
    const row = this.#sql.getBlob.get(key) as { bytes: Buffer } | undefined
    if (!row) return null
    assertIntact(key, row.bytes)
    return new Uint8Array(row.bytes.buffer, row.bytes.byteOffset, row.bytes.byteLength)
  }
}

/**
 * Messages one purge transaction deletes: ~2–5 ms of the event loop on a 2-core VM, so even a
 * mailbox of millions is purged without a stall longer than that.
 */
const PURGE_CHUNK = 256
/** What a purge needs of a row. */
type PurgeRow = { seq: number; mid: string; blob: string; status: number; in_blobs: number }

/** A row with its body as text (null if confirmed, or the blob is missing). */
type BodyRow = MessageRow & { text: string | null }
/** A priority level present in a mailbox. */
type LevelRow = { priority: number }

function toHeader(row: MessageRow): MessageHeader {
  return {
    mid: row.mid,
    sender: row.sender,
    receiver: row.receiver,
    status: row.status as StatusCode,
    receivedAt: row.received_at,
    sendWhen: row.send_when,
    leasedUntil: row.leased_until,
    deliveryCount: row.delivery_count,
    size: row.size,
    failureReason: row.failure_reason,
    failedAt: row.failed_at,
    dueAt: isActiveStatus(row.status) ? row.visible_at : null,
    priority: row.priority,
  }
}

/**
 * Opens the database file of a SQLite store (write-ahead log, the chosen fsync policy, migrated to
 * this version), with the driver already loaded.
 */
export function openSqliteDatabase(
  options: SqliteStoreOptions,
  Database: SqliteDriver,
): { db: BetterSqlite3.Database; synchronous: 'full' | 'normal' } {
  if (typeof options?.path !== 'string' || options.path === '') {
    throw new PandoraError('invalid_input', 'path must name a database file')
  }
  const synchronous = options.synchronous ?? 'full'
  if (synchronous !== 'full' && synchronous !== 'normal') {
    throw new PandoraError('invalid_input', "synchronous must be 'full' or 'normal'")
  }
  let db: BetterSqlite3.Database | undefined
  try {
    const Driver = Database as unknown as typeof BetterSqlite3
    db = new Driver(options.path, { timeout: options.busyTimeout ?? 5000 })
    db.pragma('journal_mode = WAL')
    // NORMAL in both modes: with 'full' the group commit fsyncs the log itself, off the event loop.
    db.pragma('synchronous = NORMAL')
    migrate(db)
    return { db, synchronous }
  } catch (error) {
    db?.close()
    if (error instanceof PandoraError) throw error
    const reason = error instanceof Error ? error.message : String(error)
    throw new PandoraError('unavailable', `cannot open SQLite database ${options.path}: ${reason}`, {
      cause: error,
    })
  }
}

/**
 * What a worker thread needs to open its own connection to the store's file: the driver's path and
 * the lock timeout. Undefined — run on the store's connection — when `enabled` is false, for a
 * private in-memory database (nothing to share), or where the driver cannot be found by path from
 * here (e.g. this module bundled elsewhere).
 */
export function workerOptionsFor(
  path: string,
  busyTimeout: number | undefined,
  enabled: boolean,
): { driver: string; timeout: number } | undefined {
  if (!enabled || path === ':memory:' || path === '' || path.startsWith('file::memory:')) return undefined
  const driver = resolveDriver()
  return driver === undefined ? undefined : { driver, timeout: busyTimeout ?? 5000 }
}
