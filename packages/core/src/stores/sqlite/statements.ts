import type BetterSqlite3 from 'better-sqlite3'

/** A row of `messages`, as SQLite returns it. */
export interface MessageRow {
  seq: number
  mid: string
  receiver: string
  sender: string
  status: number
  received_at: number
  send_when: number
  visible_at: number
  leased_until: number | null
  lid: string | null
  delivery_count: number
  size: number
  failure_reason: string | null
  failed_at: number | null
  priority: number
  /** Key of the body (without its receiver): of its blob, or of the inline `body`. */
  blob: string
  /** 1: the body is in `blobs` under `blob`; 0: inline (see migration 4). */
  in_blobs: number
}

// The `status NOT IN (1, 16)` term is spelled exactly as in the partial index `messages_ready`, so
// the planner can prove the index covers the query.
const ACTIVE = 'status NOT IN (1, 16)'
const COLUMNS =
  'seq, mid, receiver, sender, status, received_at, send_when, visible_at, leased_until, lid, delivery_count, size, failure_reason, failed_at, priority, blob, in_blobs'
/**
 * A message's body as `text`: inline, or looked up in `blobs` only for a message whose body is
 * there (a scalar subquery, so an inline body costs no seek at all); null once confirmed (its
 * `body` was cleared), even while a fan-out's other recipients keep the blob. Read as text, not
 * as a Buffer: the body is UTF-8 and is decoded anyway, and a Buffer per row cost better-sqlite3
 * several µs more per leased message (bytes that are not UTF-8 read back changed and fail the
 * SHA-1 check, as corrupt).
 */
const BODY_TEXT = `CAST(CASE WHEN in_blobs = 0 OR status = 1 THEN body
  ELSE (SELECT bytes FROM blobs WHERE blobs.key = messages.blob) END AS TEXT) AS text`
/**
 * Finds a message's row by its mid (see MidIndex): the row the in-memory index names when it names
 * one (a hint, by position first, null when it has none), else the one `mids` names — and only if
 * that row still holds this mid. Takes three parameters by position: hint, mid, mid.
 */
const BY_MID = 'seq = COALESCE(?, (SELECT seq FROM mids WHERE mid = ?)) AND mid = ?'
/**
 * A row limit bound by name (@limit), spelled so that SQLite compiles it as a value read when the
 * statement runs. A bare `LIMIT @limit` is compiled with the value bound at the time as a constant
 * (SQLite 3.4x reads a bound LIMIT to plan with it) and marks the statement to be compiled again
 * whenever that parameter is bound — which better-sqlite3 does on every run: the fetch's `due`
 * statement was parsed and planned anew for every fetch, ~9 % of pandorad's CPU with one consumer.
 */
const LIMIT = 'LIMIT CAST(@limit AS INTEGER)'
/** {@link BY_MID} with named parameters @hint and @mid. */
const BY_MID_NAMED = 'seq = COALESCE(@hint, (SELECT seq FROM mids WHERE mid = @mid)) AND mid = @mid'

/**
 * What a lease needs of a due row, in the order of {@link DueRow}: not the receiver nor the
 * priority (the fetch knows both), nor `visible_at` (the lease sets it).
 */
const DUE_COLUMNS =
  'seq, mid, sender, status, received_at, send_when, leased_until, lid, delivery_count, size, failure_reason, failed_at, blob'

/**
 * A row of {@link SQL.due}, read as an array (`raw` mode): better-sqlite3 builds an array of a
 * row ~2 µs faster than an object with a property per column (measured on this row: 4.3 against
 * 2.3 µs), and a fetch reads one per message it leases.
 */
export type DueRow = [
  seq: number,
  mid: string,
  sender: string,
  status: number,
  receivedAt: number,
  sendWhen: number,
  leasedUntil: number | null,
  lid: string | null,
  deliveryCount: number,
  size: number,
  failureReason: string | null,
  failedAt: number | null,
  /** Key of the body (without its receiver). */
  blob: string,
  /** The body, null once confirmed (as {@link BODY_TEXT}). */
  text: string | null,
]

/** The statements read raw (rows as arrays, in their column order). */
const RAW: ReadonlySet<string> = new Set(['due'])

/** Every statement of the store, by name. Exported so tests can EXPLAIN them. */
export const SQL = {
  /**
   * The due head of one priority level of a mailbox with the bodies: a seek in `messages_ready`.
   * A fetch reads the levels from {@link SQL.levelBelow}, highest first.
   */
  due: `SELECT ${DUE_COLUMNS}, ${BODY_TEXT} FROM messages
        WHERE receiver = @receiver AND priority = @priority AND ${ACTIVE} AND visible_at <= @now
        ORDER BY visible_at, seq ${LIMIT}`,
  /** The highest priority below @below among a mailbox's active messages: one seek in `messages_ready`. */
  levelBelow: `SELECT priority FROM messages WHERE receiver = @receiver AND ${ACTIVE} AND priority < @below
               ORDER BY priority DESC LIMIT 1`,
  /** When one priority level of a mailbox is next due: a seek in `messages_ready` (see nextDueIn). */
  nextDue: `SELECT visible_at FROM messages WHERE receiver = @receiver AND priority = @priority AND ${ACTIVE}
            ORDER BY visible_at, seq LIMIT 1`,
  /**
   * Inserts without looking for a duplicate: the caller did ({@link SQL.seqOfMid}).
   * Parameters by position: mid, receiver, sender, now, sendWhen (send_when and visible_at), size, priority, blob,
   * body, inBlobs — body is the inline body, or null with inBlobs 1: the body is (to be) in
   * `blobs`. The statements run once per message take `?` by position, which better-sqlite3 binds
   * ~0.7 µs faster than names (measured; it reads numbered `?1` as names too).
   */
  insertMessage: `INSERT INTO messages
        (mid, receiver, sender, status, received_at, send_when, visible_at, delivery_count, size, priority, blob, body, in_blobs)
        VALUES (?, ?, ?, 8, ?, ?, ?, 0, ?, ?, ?, ?, ?)`,
  /** The row of a mid, if stored: by position hint, mid, mid (see {@link BY_MID}). */
  seqOfMid: `SELECT seq FROM messages WHERE ${BY_MID}`,
  /** By position hint, mid, mid (see {@link BY_MID}). */
  byMid: `SELECT ${COLUMNS} FROM messages WHERE ${BY_MID}`,
  /** One message with its body's bytes (null once confirmed or collected); as {@link SQL.byMid}. */
  withBody: `SELECT ${COLUMNS}, ${BODY_TEXT} FROM messages WHERE ${BY_MID}`,
  /** By position (as insertMessage): status, lid, until, visibleAt, reason, failedAt, seq. */
  lease: `UPDATE messages SET status = ?, lid = ?, leased_until = ?, visible_at = ?,
          delivery_count = delivery_count + 1, failure_reason = ?, failed_at = ? WHERE seq = ?`,
  /**
   * Confirms a message under a live lease in one statement and lets go of its body (inline: here;
   * a blob: the caller drops the reference it returns); no row back: no such lease.
   * By position: hint, mid, mid (see {@link BY_MID}), lid, now.
   */
  confirmLeased: `UPDATE messages SET status = 1, lid = NULL, leased_until = NULL, body = NULL
                  WHERE ${BY_MID} AND lid = ? AND leased_until > ? AND ${ACTIVE} RETURNING blob, in_blobs`,
  kill: `UPDATE messages SET status = 16, lid = NULL, leased_until = NULL, failure_reason = @reason,
         failed_at = @failedAt WHERE seq = @seq`,
  reject: `UPDATE messages SET status = 2, lid = NULL, leased_until = NULL, visible_at = @visibleAt,
           failure_reason = @reason, failed_at = @failedAt WHERE seq = @seq`,
  /** Keeps the gap between the lease's end and when it is due again (the backoff after an expiry). */
  renew: `UPDATE messages SET visible_at = @until + (visible_at - leased_until), leased_until = @until
          WHERE seq = @seq`,
  policyOf: 'SELECT policy FROM mailbox_policies WHERE receiver = ?',
  setPolicy: `INSERT INTO mailbox_policies (receiver, policy) VALUES (@receiver, @policy)
              ON CONFLICT (receiver) DO UPDATE SET policy = excluded.policy`,
  deletePolicy: 'DELETE FROM mailbox_policies WHERE receiver = ?',
  headers: `SELECT ${COLUMNS} FROM messages WHERE receiver = @receiver AND received_at >= @since
            ORDER BY received_at, seq ${LIMIT}`,
  /** Like `headers`, newest first: `messages_received` read backwards. */
  headersDesc: `SELECT ${COLUMNS} FROM messages WHERE receiver = @receiver AND received_at >= @since
                ORDER BY received_at DESC, seq DESC ${LIMIT}`,
  dead: `SELECT ${COLUMNS} FROM messages WHERE receiver = @receiver AND status = 16
         ORDER BY seq ${LIMIT}`,
  redriveAll: `UPDATE messages SET status = 8, delivery_count = 0, visible_at = @now
               WHERE receiver = @receiver AND status = 16`,
  redriveOne: `UPDATE messages SET status = 8, delivery_count = 0, visible_at = @now
               WHERE ${BY_MID_NAMED} AND receiver = @receiver AND status = 16`,
  // Counts read indexes, not rows, wherever they can: due messages and dead ones straight from
  // their partial indexes, the total from messages_received; only the not-yet-due rows (leased or
  // delayed) are looked up, to tell which. Confirmed is what remains.
  countDue: `SELECT COUNT(*) AS n FROM messages
             WHERE receiver = @receiver AND ${ACTIVE} AND visible_at <= @now`,
  // An expired lease waiting out its backoff still has a lid: it counts as delayed.
  countLater: `SELECT COALESCE(SUM(lid IS NOT NULL AND leased_until > @now), 0) AS leased,
               COALESCE(SUM(lid IS NULL OR leased_until <= @now), 0) AS delayed
               FROM messages WHERE receiver = @receiver AND ${ACTIVE} AND visible_at > @now`,
  countDead: 'SELECT COUNT(*) AS n FROM messages WHERE receiver = @receiver AND status = 16',
  countAll: 'SELECT COUNT(*) AS n FROM messages WHERE receiver = @receiver',
  receivers: 'SELECT receiver, COUNT(*) AS n FROM messages GROUP BY receiver',
  /**
   * One chunk of a purge: the mailbox's oldest messages up to @upTo (the last seq when the purge
   * began), at most @limit, with what their bodies hold (a blob reference unless confirmed or
   * inline). Two messages of one mailbox never share a blob (the same body without its receiver,
   * sent to the same receiver, is the same body: one mid), so one reference per row is right.
   */
  // In messages_received order: each chunk reads the head of the mailbox's range, what the
  // previous chunks left; messages sent since the purge began (seq > @upTo) are passed over.
  purgeChunk: `SELECT seq, mid, blob, status, in_blobs FROM messages WHERE receiver = @receiver AND seq <= @upTo
               ORDER BY received_at, seq ${LIMIT}`,
  deleteBySeq: 'DELETE FROM messages WHERE seq = ?',
  /** A purged row's entry in `mids`, if merged: by position mid, seq. */
  deleteMid: 'DELETE FROM mids WHERE mid = ? AND seq = ?',
  /**
   * Merges the mids of the rows in (from, to] into `mids`, sorted by mid so that each leaf of its
   * b-tree is written once for all the entries it takes. By position: from, to.
   */
  mergeMids: `INSERT OR REPLACE INTO mids (mid, seq)
              SELECT mid, seq FROM messages WHERE seq > ? AND seq <= ? ORDER BY mid`,
  /** The rows after @from, whose mids are not merged yet: read at open. */
  unmergedMids: 'SELECT mid, seq FROM messages WHERE seq > ?',
  midsMergedTo: "SELECT value FROM store_state WHERE name = 'mids_merged_to'",
  setMidsMergedTo: "UPDATE store_state SET value = ? WHERE name = 'mids_merged_to'",
  lastSeq: 'SELECT max(seq) AS seq FROM messages',
  putBlob: `INSERT INTO blobs (key, bytes, refs) VALUES (?, ?, 1)
            ON CONFLICT (key) DO UPDATE SET refs = refs + 1`,
  getBlob: 'SELECT bytes FROM blobs WHERE key = ?',
  addRefs: 'UPDATE blobs SET refs = refs + ? WHERE key = ? RETURNING refs',
  dropRef: 'UPDATE blobs SET refs = refs - 1 WHERE key = ?',
  collectOne: 'DELETE FROM blobs WHERE key = ? AND refs <= 0',
  /** Drops a blob's last reference (the common case) in one statement; no change: more are left. */
  dropLast: 'DELETE FROM blobs WHERE key = ? AND refs <= 1',
  collectAll: 'DELETE FROM blobs WHERE refs <= 0',
} as const

/** The prepared form of {@link SQL}. */
export type Statements = { [K in keyof typeof SQL]: BetterSqlite3.Statement }

/** Prepares every statement once, at open. */
export function prepareStatements(db: BetterSqlite3.Database): Statements {
  const out = {} as Record<string, BetterSqlite3.Statement>
  for (const [name, sql] of Object.entries(SQL)) {
    const statement = db.prepare(sql)
    out[name] = RAW.has(name) ? statement.raw(true) : statement
  }
  return out as Statements
}
