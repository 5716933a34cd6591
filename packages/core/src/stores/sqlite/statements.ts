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
}

/** A row of the per-mailbox counts. */
export interface StatsRow {
  receiver: string
  pending: number
  leased: number
  delayed: number
  dead: number
  confirmed: number
}

// The `status NOT IN (1, 16)` term is spelled exactly as in the partial index `messages_due`, so
// the planner can prove the index covers the query.
const ACTIVE = 'status NOT IN (1, 16)'
const COLUMNS =
  'seq, mid, receiver, sender, status, received_at, send_when, visible_at, leased_until, lid, delivery_count, size'
const COUNTS = `
  receiver,
  COALESCE(SUM(${ACTIVE} AND NOT (lid IS NOT NULL AND leased_until > @now) AND visible_at <= @now), 0) AS pending,
  COALESCE(SUM(${ACTIVE} AND lid IS NOT NULL AND leased_until > @now), 0) AS leased,
  COALESCE(SUM(${ACTIVE} AND NOT (lid IS NOT NULL AND leased_until > @now) AND visible_at > @now), 0) AS delayed,
  COALESCE(SUM(status = 16), 0) AS dead,
  COALESCE(SUM(status = 1), 0) AS confirmed`

/** Every statement of the store, by name. Exported so tests can EXPLAIN them. */
export const SQL = {
  /** The due head of a mailbox: fetch reads it, through `messages_due`. */
  due: `SELECT ${COLUMNS} FROM messages
        WHERE receiver = @receiver AND ${ACTIVE} AND visible_at <= @now
        ORDER BY visible_at, seq LIMIT @limit`,
  nextDue: `SELECT visible_at FROM messages WHERE receiver = @receiver AND ${ACTIVE}
            ORDER BY visible_at, seq LIMIT 1`,
  insertMessage: `INSERT OR IGNORE INTO messages
        (mid, receiver, sender, status, received_at, send_when, visible_at, delivery_count, size)
        VALUES (@mid, @receiver, @sender, 8, @now, @sendWhen, @sendWhen, 0, @size)`,
  byMid: `SELECT ${COLUMNS} FROM messages WHERE mid = ?`,
  lease: `UPDATE messages SET status = @status, lid = @lid, leased_until = @until, visible_at = @until,
          delivery_count = delivery_count + 1 WHERE seq = @seq`,
  kill: 'UPDATE messages SET status = 16, lid = NULL, leased_until = NULL WHERE seq = ?',
  confirm: 'UPDATE messages SET status = 1, lid = NULL, leased_until = NULL WHERE seq = ?',
  reject: `UPDATE messages SET status = 2, lid = NULL, leased_until = NULL, visible_at = @visibleAt
           WHERE seq = @seq`,
  renew: 'UPDATE messages SET leased_until = @until, visible_at = @until WHERE seq = @seq',
  headers: `SELECT ${COLUMNS} FROM messages WHERE receiver = @receiver AND received_at >= @since
            ORDER BY received_at, seq LIMIT @limit`,
  dead: `SELECT ${COLUMNS} FROM messages WHERE receiver = @receiver AND status = 16
         ORDER BY seq LIMIT @limit`,
  redriveAll: `UPDATE messages SET status = 8, delivery_count = 0, visible_at = @now
               WHERE receiver = @receiver AND status = 16`,
  redriveOne: `UPDATE messages SET status = 8, delivery_count = 0, visible_at = @now
               WHERE mid = @mid AND receiver = @receiver AND status = 16`,
  stats: `SELECT ${COUNTS} FROM messages WHERE receiver = @receiver`,
  allStats: `SELECT ${COUNTS} FROM messages GROUP BY receiver`,
  // Purge: confirmed messages already gave their blob reference back.
  purgeUnref: `UPDATE blobs SET refs = refs - 1
               WHERE key IN (SELECT mid FROM messages WHERE receiver = ? AND status <> 1)`,
  purgeCollect: `DELETE FROM blobs WHERE refs <= 0
                 AND key IN (SELECT mid FROM messages WHERE receiver = ? AND status <> 1)`,
  purgeMessages: 'DELETE FROM messages WHERE receiver = ?',
  putBlob: `INSERT INTO blobs (key, bytes, refs) VALUES (?, ?, 1)
            ON CONFLICT (key) DO UPDATE SET refs = refs + 1`,
  getBlob: 'SELECT bytes FROM blobs WHERE key = ?',
  addRefs: 'UPDATE blobs SET refs = refs + ? WHERE key = ? RETURNING refs',
  dropRef: 'UPDATE blobs SET refs = refs - 1 WHERE key = ?',
  collectOne: 'DELETE FROM blobs WHERE key = ? AND refs <= 0',
  collectAll: 'DELETE FROM blobs WHERE refs <= 0',
} as const

/** The prepared form of {@link SQL}. */
export type Statements = { [K in keyof typeof SQL]: BetterSqlite3.Statement }

/** Prepares every statement once, at open. */
export function prepareStatements(db: BetterSqlite3.Database): Statements {
  const out = {} as Record<string, BetterSqlite3.Statement>
  for (const [name, sql] of Object.entries(SQL)) out[name] = db.prepare(sql)
  return out as Statements
}
