// Checks of the stored data while pandorad is down: SQLite's own integrity check, and the blob
// reference counts (each blob's count equals the messages not yet confirmed that reference it;
// every such message has its blob, every message not yet confirmed kept inline has its body).
import Database from 'better-sqlite3'
import pg from 'pg'

// A message's body is inline (`body`, `in_blobs` false) or a blob named by its `blob` column (the
// body without its receiver, shared by the recipients of a fan-out; rows from before that column
// hold their mid there). `m.in_blobs` reads as a truth value in both SQLite (0/1) and PostgreSQL.
const REFCOUNT_MISMATCH = (m, b) => `SELECT count(*) AS n FROM ${b} b
  WHERE b.refs <> (SELECT count(*) FROM ${m} m WHERE m.blob = b.key AND m.status <> 1 AND m.in_blobs)`
const MISSING_BLOB = (m, b) => `SELECT count(*) AS n FROM ${m} m
  WHERE m.status <> 1 AND CASE WHEN m.in_blobs THEN NOT EXISTS (SELECT 1 FROM ${b} b WHERE b.key = m.blob)
    ELSE m.body IS NULL END`

/** Opens the file read-only (pandorad must be down), runs `PRAGMA integrity_check` and the refcount audit. */
export function auditSqlite(path) {
  let db
  try {
    db = new Database(path, { readonly: true, fileMustExist: true })
  } catch (error) {
    return {
      integrity: `cannot open read-only: ${error.message}`,
      refcountMismatches: null,
      missingBlobs: null,
    }
  }
  try {
    const integrity = db
      .prepare('PRAGMA integrity_check')
      .all()
      .map((r) => r.integrity_check)
      .join('; ')
    return {
      integrity,
      refcountMismatches: db.prepare(REFCOUNT_MISMATCH('messages', 'blobs')).get().n,
      missingBlobs: db.prepare(MISSING_BLOB('messages', 'blobs')).get().n,
    }
  } finally {
    db.close()
  }
}

/** The same refcount audit on a PostgreSQL schema. */
export async function auditPostgres(url, schema) {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    const m = `"${schema}".messages`
    const b = `"${schema}".blobs`
    const mismatch = await client.query(REFCOUNT_MISMATCH(m, b))
    const missing = await client.query(MISSING_BLOB(m, b))
    return {
      integrity: 'ok',
      refcountMismatches: Number(mismatch.rows[0].n),
      missingBlobs: Number(missing.rows[0].n),
    }
  } finally {
    await client.end()
  }
}

export async function dropSchema(url, schema) {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
  } finally {
    await client.end()
  }
}
