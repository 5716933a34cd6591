import type { Pool, PoolClient } from 'pg'
import { AvailabilitySignal } from '../../availability.js'
import type { Clock } from '../../clock.js'
import { PandoraError } from '../../errors.js'
import { contentKey, newLeaseId, parseKey } from '../../key.js'
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
import {
  type Backoff,
  checkRetryPolicy,
  type RetryPolicy,
  type RetryPolicyInput,
} from '../../retry-policy.js'
import { Status, type StatusCode } from '../../status.js'
import type {
  AckItem,
  AvailabilityListener,
  FetchOptions,
  HeadersQuery,
  MailboxStats,
  Store,
  StoreLimits,
  StoreOptions,
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
import { assertDelta, byReceiver, resolveStoreOptions, sharedBlobKeys } from '../store-rules.js'
import { assertIntact, leasedFields, verifiedFields } from '../stored-view.js'
import { DatabaseClock } from './database-clock.js'
import { loadPg } from './load-pg.js'
import { migrate } from './migrations.js'
import { NotifyListener } from './notify-listener.js'
import { assertSchemaName, channelOf, DEFAULT_SCHEMA, quoteIdent } from './schema-name.js'
import { type Statements, statements } from './statements.js'

/** Options of the {@link PostgresStore}. */
export interface PostgresStoreOptions extends StoreOptions {
  /** Where the database is, e.g. `postgres://user@host:5432/db`. */
  connectionString: string
  /** Schema holding Pandora's tables, created on start (default `pandora`). */
  schema?: string
  /** Most pooled connections of this store (default 10); one more listens for notifications. */
  poolSize?: number
}

/** Receivers woken at most after the listener reconnects (each may have missed notifications). */
const RESYNC_LIMIT = 1000
// Keeps `since` within bigint and exact as a JS number.
const clampTime = (ms: number) =>
  Math.max(-Number.MAX_SAFE_INTEGER, Math.min(Number.MAX_SAFE_INTEGER, Math.ceil(ms)))

/** pg hands back int8 as strings (they may exceed 2^53); Pandora's times and counts never do. */
type Int8 = string | number
const num = (v: Int8): number => Number(v)
const numOrNull = (v: Int8 | null): number | null => (v === null ? null : Number(v))

interface HeaderRow {
  mid: string
  sender: string
  receiver: string
  status: number
  received_at: Int8
  send_when: Int8
  leased_until: Int8 | null
  delivery_count: number
  size: number
  failure_reason: string | null
  failed_at: Int8 | null
  due_at: Int8 | null
  priority: number
}

interface PolicyRow {
  max_deliveries: number | null
  backoff_type: 'fixed' | 'exponential' | null
  backoff_delay: Int8 | null
  backoff_factor: number | null
  backoff_max: Int8 | null
  backoff_jitter: number | null
}

/** A policy row as the model's policy. */
function policyFromRow(row: PolicyRow | undefined): RetryPolicy {
  if (!row) return {}
  const out: RetryPolicy = {}
  if (row.max_deliveries !== null) out.maxDeliveries = row.max_deliveries
  const delay = numOrNull(row.backoff_delay) ?? 0
  const jitter = row.backoff_jitter ?? 0
  let backoff: Backoff | undefined
  if (row.backoff_type === 'fixed') backoff = { type: 'fixed', delay, jitter }
  if (row.backoff_type === 'exponential') {
    const max = numOrNull(row.backoff_max) ?? delay
    backoff = { type: 'exponential', base: delay, factor: row.backoff_factor ?? 2, max, jitter }
  }
  if (backoff) out.backoff = backoff
  return out
}

interface FetchRow extends HeaderRow {
  blob: string
  rn: Int8
  doomed: boolean
  lid: string | null
  bytes: Uint8Array | null
}

const toHeader = (row: HeaderRow): MessageHeader => ({
  mid: row.mid,
  sender: row.sender,
  receiver: row.receiver,
  status: row.status as StatusCode,
  receivedAt: num(row.received_at),
  sendWhen: num(row.send_when),
  leasedUntil: numOrNull(row.leased_until),
  deliveryCount: row.delivery_count,
  size: row.size,
  failureReason: row.failure_reason,
  failedAt: numOrNull(row.failed_at),
  dueAt: numOrNull(row.due_at),
  priority: row.priority,
})

/** Network failures and server shutdowns: the database is unreachable, not the request wrong. */
function isConnectionError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code
  if (typeof code !== 'string') {
    return error instanceof Error && /Connection terminated|connection timeout/i.test(error.message)
  }
  // SQLSTATE class 08 (connection) and 57P (shutdown), or a socket error such as ECONNREFUSED.
  return code.startsWith('08') || code.startsWith('57P') || /^E[A-Z]{4,}$/.test(code)
}

function positiveInt(value: number | undefined, fallback: number, what: string, min = 1): number {
  const v = value ?? fallback
  if (!Number.isSafeInteger(v) || v < min) {
    throw new PandoraError('invalid_input', `${what} must be a whole number of at least ${min}`)
  }
  return v
}

/**
 * A store in PostgreSQL, for several Pandora instances sharing one database. Fetch-and-lock uses
 * `FOR UPDATE SKIP LOCKED`, so concurrent fetchers never wait on each other nor share a message;
 * every lease and delay decision reads the database clock, so instance clocks cannot disagree;
 * sends, rejects and redrives NOTIFY a channel of the schema, so a message sent through one
 * instance wakes the subscribers of every other. The schema is created and migrated on start.
 *
 * The `pg` driver is an optional peer dependency, loaded on start. Open it with
 * {@link openPostgresStore}, which validates the options, connects, migrates and waits until the
 * store is ready.
 *
 * @example
 * ```ts
 * const store = await openPostgresStore({ connectionString: 'postgres://pandora@db/pandora' })
 * store.onAvailable((receiver) => console.log('due:', receiver))
 * await store.send({ sender: 'a@local', receiver: 'b@local', fields: { hi: 'there' } })
 * const [msg] = await store.fetch('b@local', { leaseTime: 30_000 })
 * await store.ack(msg.mid, msg.lid, Status.confirmed)
 * await store.close()
 * ```
 */
export class PostgresStore implements Store {
  readonly kind = 'postgres'
  /** The schema holding this store's tables. */
  readonly schema: string
  readonly #connectionString: string
  readonly #poolSize: number
  readonly limits: StoreLimits
  readonly clock: Clock
  readonly #maxSize: number
  readonly #maxDeliveries: number
  /** A test clock to decide on instead of the database's; undefined in production. */
  readonly #testClock: Clock | undefined
  readonly #databaseClock: DatabaseClock
  readonly #onError: (error: unknown) => void
  readonly #channel: string
  readonly #sql: PreparedStatements
  readonly #signal: AvailabilitySignal
  readonly #random: () => number
  #pool: Pool | undefined
  #listener: NotifyListener | undefined
  #starting: Promise<void> | undefined
  #closing: Promise<void> | undefined
  #closed = false

  /** @internal Use {@link openPostgresStore}. No I/O happens here. */
  constructor(options: PostgresStoreOptions) {
    const o = resolveStoreOptions(options)
    if (typeof options?.connectionString !== 'string' || options.connectionString === '') {
      throw new PandoraError('invalid_input', 'connectionString is required')
    }
    this.#connectionString = options.connectionString
    this.schema = assertSchemaName(options.schema ?? DEFAULT_SCHEMA)
    this.#poolSize = positiveInt(options.poolSize, 10, 'poolSize')
    this.#maxSize = o.maxSize
    this.#maxDeliveries = o.maxDeliveries
    this.limits = { maxSize: o.maxSize, maxDeliveries: o.maxDeliveries }
    this.#onError = o.onError
    this.#signal = new AvailabilitySignal(o.onError)
    this.#random = o.random
    this.#testClock = options.clock
    // Read on the pool directly: the first measure runs while the store is still starting.
    this.#databaseClock = new DatabaseClock(async () => {
      if (!this.#pool || this.#closed) throw new PandoraError('store_closed')
      const { rows } = await this.#pool.query<{ t: Int8 }>(
        'SELECT (floor(extract(epoch FROM clock_timestamp()) * 1000))::bigint AS t',
      )
      return num(rows[0]!.t)
    })
    this.clock = this.#testClock ?? this.#databaseClock
    this.#channel = channelOf(this.schema)
    this.#sql = prepared(this.schema, statements(quoteIdent(this.schema)))
  }

  async ready(): Promise<void> {
    this.#open()
    await this.#start()
  }

  close(): Promise<void> {
    this.#closed = true
    this.#signal.clear()
    this.#databaseClock.stop()
    this.#closing ??= (async () => {
      await this.#starting?.catch(() => {})
      await this.#listener?.close()
      await this.#pool?.end().catch(() => {})
    })()
    return this.#closing
  }

  async send(input: SendInput): Promise<SendResult> {
    const [result] = await this.sendBatch([input])
    return result!
  }

  async sendBatch(inputs: readonly SendInput[]): Promise<SendResult[]> {
    this.#open()
    // Only the default clientTime, a label inside the body, comes from this machine's clock;
    // receivedAt and sendWhen are set by the database.
    const now = this.clock.now()
    const prepared = prepareAll(inputs, { now, maxSize: this.#maxSize })
    return this.#store(prepared)
  }

  async sendMany(inputs: readonly SendInput[]): Promise<(SendResult | PandoraError)[]> {
    this.#open()
    const prepared = await prepareEach(inputs, { now: this.clock.now(), maxSize: this.#maxSize })
    return storeEach(prepared, (valid) => this.#store(valid))
  }

  /** Inserts prepared messages in one statement; results in their order. */
  async #store(prepared: readonly PreparedMessage[]): Promise<SendResult[]> {
    if (prepared.length === 0) return []
    // The same body twice in one batch is one message: only its first occurrence may be new.
    const first = new Map<string, number>()
    prepared.forEach((p, i) => {
      if (!first.has(p.mid)) first.set(p.mid, i)
    })
    const unique = [...first.values()].map((i) => prepared[i]!)
    // Each shared body travels once, however many recipients refer to it; the others go inline.
    const shared = sharedBlobKeys(unique)
    const blobs = new Map<string, Uint8Array>()
    for (const p of unique) if (shared.has(p.blob)) blobs.set(p.blob, p.shared)
    const inserted = await this.#run(async (pool) => {
      const { rows } = await retryDeadlock(() =>
        pool.query<{ inserted: string[] }>(this.#sql.send, [
          this.#now(),
          unique.map((p) => p.mid),
          unique.map((p) => p.receiver),
          unique.map((p) => p.sender),
          unique.map((p) => p.delay),
          unique.map((p) => p.bytes.byteLength),
          this.#channel,
          unique.map((p) => p.priority),
          unique.map((p) => p.blob),
          [...blobs.keys()],
          [...blobs.values()].map(asBuffer),
          unique.map((p) => (shared.has(p.blob) ? null : asBuffer(p.shared))),
        ]),
      )
      return new Set(rows[0]?.inserted ?? [])
    })
    return prepared.map((p, i) => ({
      mid: p.mid,
      duplicate: !(inserted.has(p.mid) && first.get(p.mid) === i),
    }))
  }

  async fetch(receiver: string, options: FetchOptions): Promise<LeasedMessage[]> {
    this.#open()
    const { receiver: name, leaseTime, max } = checkFetch(receiver, options)
    return this.#run(async (pool) => {
      const out: LeasedMessage[] = []
      // Candidates due for dead-lettering, and unreadable ones, use up a round without being
      // delivered: go again for the rest, as long as the last round found as many as it asked for.
      for (;;) {
        const want = max - out.length
        const lids = Array.from({ length: want }, newLeaseId)
        const { rows } = await pool.query<FetchRow>(this.#sql.fetch, [
          this.#now(),
          name,
          want,
          this.#maxDeliveries,
          lids,
          leaseTime,
          Array.from({ length: want }, () => this.#random()),
        ])
        rows.sort((a, b) => num(a.rn) - num(b.rn))
        for (const row of rows) {
          if (row.doomed) continue
          // The round's leases are committed: an unreadable body must not cost the others theirs.
          // It keeps its lease (a delivery) and is left out (see leasedFields).
          const fields = leasedFields(row.blob, row.bytes, row.receiver)
          if (fields === undefined) continue
          out.push({ ...toHeader(row), lid: row.lid!, leasedUntil: num(row.leased_until!), fields })
        }
        if (rows.length < want || out.length >= max) return out
      }
    })
  }

  async ack(mid: string, lid: string, status: StatusCode, options?: AckOptions): Promise<void> {
    this.#open()
    const a = checkAck(mid, lid, status, options)
    // One ack is a batch of one: the same statements, one rule.
    const [error] = await this.ackMany([
      {
        mid: a.mid,
        lid: a.lid,
        status: a.status,
        ...(a.delay !== null ? { delay: a.delay } : {}),
        ...(a.reason !== null ? { reason: a.reason } : {}),
      },
    ])
    if (error) throw error
  }

  async ackMany(items: readonly AckItem[]): Promise<(PandoraError | null)[]> {
    this.#open()
    const checked = checkAcks(items)
    const results: (PandoraError | null)[] = checked.map((c) => (c.ok ? null : c.error))
    // The same mid twice in one batch: only its first item may act, as two acks in a row would.
    const seen = new Set<string>()
    const confirms: { i: number; mid: string; lid: string }[] = []
    const rejects: { i: number; mid: string; lid: string; delay: number | null; reason: string | null }[] = []
    checked.forEach((c, i) => {
      if (!c.ok) return
      if (seen.has(c.ack.mid)) {
        results[i] = new PandoraError('unable_to_change_status')
        return
      }
      seen.add(c.ack.mid)
      if (c.ack.status === Status.confirmed) confirms.push({ i, mid: c.ack.mid, lid: c.ack.lid })
      else rejects.push({ i, mid: c.ack.mid, lid: c.ack.lid, delay: c.ack.delay, reason: c.ack.reason })
    })
    await this.#run(async (pool) => {
      const work: Promise<void>[] = []
      if (confirms.length > 0) {
        work.push(
          this.#transaction(pool, async (client) => {
            const { rows } = await client.query<{ confirmed: string[]; unreferenced: string[] }>(
              this.#sql.confirmMany,
              [this.#now(), confirms.map((x) => x.mid), confirms.map((x) => x.lid)],
            )
            const done = new Set(rows[0]?.confirmed ?? [])
            for (const x of confirms)
              if (!done.has(x.mid)) results[x.i] = new PandoraError('unable_to_change_status')
            const gone = rows[0]?.unreferenced ?? []
            if (gone.length > 0) await client.query(this.#sql.deleteUnreferenced, [gone])
          }),
        )
      }
      if (rejects.length > 0) {
        work.push(
          (async () => {
            const { rows } = await pool.query<{ changed: string[] }>(this.#sql.rejectMany, [
              this.#now(),
              rejects.map((x) => x.mid),
              rejects.map((x) => x.lid),
              this.#maxDeliveries,
              rejects.map((x) => x.delay),
              this.#channel,
              rejects.map((x) => x.reason),
              rejects.map(() => this.#random()),
            ])
            const done = new Set(rows[0]?.changed ?? [])
            for (const x of rejects)
              if (!done.has(x.mid)) results[x.i] = new PandoraError('unable_to_change_status')
          })(),
        )
      }
      await Promise.all(work)
    })
    return results
  }

  async renew(mid: string, lid: string, leaseTime: number): Promise<number> {
    this.#open()
    const r = checkRenew(mid, lid, leaseTime)
    return this.#run(async (pool) => {
      const { rows } = await pool.query<{ leased_until: Int8 }>(this.#sql.renew, [
        this.#now(),
        r.mid,
        r.lid,
        r.leaseTime,
      ])
      if (rows.length === 0) throw new PandoraError('unable_to_change_status')
      return num(rows[0]!.leased_until)
    })
  }

  async headers(receiver: string, query?: HeadersQuery): Promise<MessageHeader[]> {
    this.#open()
    const q = checkHeaders(receiver, query)
    return this.#run(async (pool) => {
      const sql = q.order === 'desc' ? this.#sql.headersDesc : this.#sql.headers
      const { rows } = await pool.query<HeaderRow>(sql, [
        this.#now(),
        q.receiver,
        clampTime(q.since),
        q.limit,
      ])
      return rows.map(toHeader)
    })
  }

  async get(mid: string): Promise<StoredMessage | null> {
    this.#open()
    const key = parseKey(mid)
    return this.#run(async (pool) => {
      const { rows } = await pool.query<HeaderRow & { blob: string; bytes: Uint8Array | null }>(
        this.#sql.get,
        [this.#now(), key],
      )
      const row = rows[0]
      if (!row) return null
      return { ...toHeader(row), fields: verifiedFields(row.blob, row.bytes, row.receiver) }
    })
  }

  async stats(receiver: string): Promise<MailboxStats> {
    this.#open()
    const name = assertMailbox(receiver)
    return this.#run(async (pool) => {
      const { rows } = await pool.query<MailboxStats>(this.#sql.stats, [this.#now(), name])
      const row = rows[0]
      return row ?? { receiver: name, pending: 0, leased: 0, delayed: 0, dead: 0, confirmed: 0 }
    })
  }

  async mailboxes(): Promise<MailboxStats[]> {
    this.#open()
    return this.#run(async (pool) => {
      const { rows } = await pool.query<MailboxStats>(this.#sql.mailboxes, [this.#now()])
      // Sorted here, by UTF-16 code units like the other stores, not by the database's collation.
      return rows.sort(byReceiver)
    })
  }

  async dead(receiver: string, limit = 100): Promise<MessageHeader[]> {
    this.#open()
    const q = checkHeaders(receiver, { limit })
    return this.#run(async (pool) => {
      const { rows } = await pool.query<HeaderRow>(this.#sql.dead, [this.#now(), q.receiver, q.limit])
      return rows.map(toHeader)
    })
  }

  async redrive(receiver: string, mids?: readonly string[]): Promise<number> {
    this.#open()
    const name = assertMailbox(receiver)
    const only = checkMids(mids)
    return this.#run(async (pool) => {
      const { rows } = await pool.query<{ n: number }>(this.#sql.redrive, [
        this.#now(),
        name,
        only ?? null,
        this.#channel,
      ])
      return rows[0]?.n ?? 0
    })
  }

  async purge(receiver: string): Promise<number> {
    this.#open()
    const name = assertMailbox(receiver)
    return this.#run((pool) =>
      this.#transaction(pool, async (client) => {
        const { rows } = await client.query<{ n: number; gone: string[] }>(this.#sql.purge, [name])
        const { n, gone } = rows[0] ?? { n: 0, gone: [] }
        if (gone.length > 0) await client.query(this.#sql.deleteUnreferenced, [gone])
        return n
      }),
    )
  }

  async retryPolicy(receiver: string): Promise<RetryPolicy> {
    this.#open()
    const name = assertMailbox(receiver)
    return this.#run(async (pool) => {
      const { rows } = await pool.query<PolicyRow>(this.#sql.policyOf, [name])
      return policyFromRow(rows[0])
    })
  }

  async setRetryPolicy(receiver: string, policy: RetryPolicyInput): Promise<RetryPolicy> {
    this.#open()
    const name = assertMailbox(receiver)
    const checked = checkRetryPolicy(policy)
    await this.#run(async (pool) => {
      if (Object.keys(checked).length === 0) return pool.query(this.#sql.deletePolicy, [name])
      const b = checked.backoff
      return pool.query(this.#sql.setPolicy, [
        name,
        checked.maxDeliveries ?? null,
        b?.type ?? null,
        b === undefined ? null : b.type === 'fixed' ? b.delay : b.base,
        b?.type === 'exponential' ? b.factor : null,
        b?.type === 'exponential' ? b.max : null,
        b?.jitter ?? null,
      ])
    })
    return checked
  }

  onAvailable(listener: AvailabilityListener): () => void {
    return this.#signal.add(listener)
  }

  async nextDueIn(receiver: string): Promise<number | null> {
    this.#open()
    const name = assertMailbox(receiver)
    return this.#run(async (pool) => {
      const { rows } = await pool.query<{ due: Int8 | null }>(this.#sql.nextDueIn, [this.#now(), name])
      const due = rows[0]?.due ?? null
      return due === null ? null : Math.max(0, num(due))
    })
  }

  async putBlob(bytes: Uint8Array): Promise<string> {
    this.#open()
    if (!(bytes instanceof Uint8Array)) throw new PandoraError('nil_body')
    const key = await contentKey(bytes)
    await this.#run((pool) => pool.query(this.#sql.putBlob, [key, asBuffer(bytes)]))
    return key
  }

  async getBlob(key: string): Promise<Uint8Array | null> {
    this.#open()
    const k = parseKey(key)
    const bytes = await this.#run(async (pool) => {
      const { rows } = await pool.query<{ bytes: Uint8Array }>(this.#sql.getBlob, [k])
      return rows[0]?.bytes ?? null
    })
    if (bytes === null) return null
    assertIntact(k, bytes)
    return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  }

  async updateRefCount(key: string, delta: number): Promise<number> {
    this.#open()
    const k = parseKey(key)
    const d = assertDelta(delta)
    return this.#run(async (pool) => {
      const { rows } = await pool.query<{ refs: Int8 }>(this.#sql.updateRefCount, [k, d])
      return rows[0] ? num(rows[0].refs) : 0
    })
  }

  async collectBlobs(): Promise<number> {
    this.#open()
    return this.#run(async (pool) => (await pool.query(this.#sql.collectBlobs)).rowCount ?? 0)
  }

  #open(): void {
    if (this.#closed) throw new PandoraError('store_closed')
  }

  /** `$1` of every statement: the test clock's time, or null to decide on the database clock. */
  #now(): number | null {
    return this.#testClock ? Math.round(this.#testClock.now()) : null
  }

  /** Loads the driver, migrates the schema and starts listening, once (again after a failure). */
  #start(): Promise<void> {
    this.#starting ??= this.#connect().catch((error: unknown) => {
      this.#starting = undefined
      throw toStoreError(error, this.#connectionString)
    })
    return this.#starting
  }

  async #connect(): Promise<void> {
    const pg = await loadPg()
    this.#open()
    const pool = new pg.Pool({ connectionString: this.#connectionString, max: this.#poolSize })
    // An idle pooled connection that drops emits here; the pool replaces it on the next query.
    pool.on('error', () => {})
    const listener = new NotifyListener({
      newClient: () => new pg.Client({ connectionString: this.#connectionString }),
      channel: this.#channel,
      onNotify: (receiver) => this.#signal.notify(receiver),
      onReconnect: () => this.#resync(),
      onError: (error) => this.#onError(error),
    })
    try {
      const client = await pool.connect()
      try {
        await migrate(client, this.schema)
      } finally {
        client.release()
      }
      await listener.start()
    } catch (error) {
      await listener.close()
      await pool.end().catch(() => {})
      throw error
    }
    this.#pool = pool
    this.#listener = listener
    if (this.#closed) throw new PandoraError('store_closed')
    if (!this.#testClock) await this.#databaseClock.start(this.#onError)
  }

  /** After the listener was down, wakes every receiver with an active message: it may have missed a NOTIFY. */
  #resync(): void {
    this.#run(async (pool) => {
      const { rows } = await pool.query<{ receiver: string }>(this.#sql.activeReceivers, [RESYNC_LIMIT])
      for (const row of rows) this.#signal.notify(row.receiver)
    }).catch((error: unknown) => this.#onError(error))
  }

  /** Runs `work` on the pool once the store is ready, with driver errors turned into Pandora's. */
  async #run<T>(work: (pool: Pool) => Promise<T>): Promise<T> {
    await this.#start()
    this.#open()
    try {
      return await work(this.#pool!)
    } catch (error) {
      if (this.#closed && !(error instanceof PandoraError)) throw new PandoraError('store_closed')
      throw toStoreError(error, this.#connectionString)
    }
  }

  async #transaction<T>(pool: Pool, work: (client: PoolClient) => Promise<T>): Promise<T> {
    const client = await pool.connect()
    let broken: Error | undefined
    try {
      await client.query('BEGIN')
      const result = await work(client)
      await client.query('COMMIT')
      return result
    } catch (error) {
      if (isConnectionError(error)) broken = error as Error
      else await client.query('ROLLBACK').catch(() => {})
      throw error
    } finally {
      // A broken connection is destroyed rather than handed to the next query.
      client.release(broken)
    }
  }
}

const DEADLOCK_ATTEMPTS = 3

/**
 * Runs a single-statement transaction again when PostgreSQL broke a deadlock by aborting it: two
 * batches inserting the same mids in different orders wait on each other's rows. The statement
 * rolled back whole, so running it again is safe.
 */
async function retryDeadlock<T>(run: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await run()
    } catch (error) {
      if ((error as { code?: unknown } | null)?.code !== '40P01' || attempt >= DEADLOCK_ATTEMPTS) throw error
    }
  }
}

function toStoreError(error: unknown, connectionString: string): unknown {
  if (error instanceof PandoraError) return error
  if (isConnectionError(error)) {
    // Node reports a refused "localhost" (two addresses) as an AggregateError without a message.
    const detail = (error as Error).message || (error as { code?: string }).code
    const reason = detail ? `: ${detail}` : ''
    return new PandoraError(
      'unavailable',
      `the PostgreSQL database at ${describeDatabase(connectionString)} is unreachable${reason}`,
      { cause: error },
    )
  }
  return error
}

/** `host:port/database` of a connection string, never its password. */
export function describeDatabase(connectionString: string): string {
  try {
    const u = new URL(connectionString)
    return `${u.hostname || 'localhost'}:${u.port || '5432'}${u.pathname || ''}`
  } catch {
    return 'the configured address'
  }
}

/** The statements as named queries: each connection parses and plans one once, not on every call. */
type PreparedStatements = { [K in keyof Statements]: { name: string; text: string } }

function prepared(schema: string, sql: Statements): PreparedStatements {
  // Names are per connection; the schema keeps two stores in one process apart.
  return Object.fromEntries(
    Object.entries(sql).map(([key, text]) => [key, { name: `pandora.${schema}.${key}`, text }]),
  ) as PreparedStatements
}
