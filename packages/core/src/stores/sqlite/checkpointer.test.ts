import { randomBytes } from 'node:crypto'
import { closeSync, mkdtempSync, openSync, readSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterEach, describe, expect, it } from 'vitest'
import { Checkpointer } from './checkpointer.js'
import { GroupCommit } from './group-commit.js'
import { workerOptionsFor } from './sqlite-store.js'

const dirs: string[] = []
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

/** A WAL database whose writer never checkpoints: as the store opens it with background checkpoints. */
function openWriter(): { path: string; db: Database.Database } {
  const dir = mkdtempSync(join(tmpdir(), 'pandora-checkpointer-'))
  dirs.push(dir)
  const path = join(dir, 'test.db')
  const db = new Database(path)
  db.pragma('journal_mode = WAL')
  db.pragma('wal_autocheckpoint = 0')
  db.exec('CREATE TABLE t (x BLOB NOT NULL)')
  return { path, db }
}

/** The log header's first salt: SQLite draws a new one each time the log starts over. */
function logSalt(path: string): number {
  const fd = openSync(`${path}-wal`, 'r')
  try {
    const header = Buffer.alloc(32)
    readSync(fd, header, 0, 32, 0)
    return header.readUInt32BE(16)
  } finally {
    closeSync(fd)
  }
}

describe('checkpointer', () => {
  it('checkpointer - writes that never pause still see the log start over once it is past its length', async () => {
    const { path, db } = openWriter()
    const restartFrames = 128
    const options = workerOptionsFor(path, 5000, true)!
    const checkpointer = new Checkpointer(path, { ...options, restartFrames })
    const group = new GroupCommit(db, {
      onCommit: () => checkpointer.nudge(),
      hold: () => checkpointer.holdWrites(),
    })
    const insert = db.prepare('INSERT INTO t (x) VALUES (?)')
    // Writes go on until the log has started over three times, or up to a cap far above what that
    // takes when the checkpoint worker gets its share of the CPU (~8,000 rows here; under a loaded
    // test run it may get little of it while the writer runs flat out).
    const maxRows = 60_000
    let rows = 0
    let restarts = 0
    let salt: number | undefined
    try {
      // Each group is submitted as soon as the one before committed: no pause for a checkpoint to
      // finish beside the writer, which is what lets a PASSIVE checkpoint's log start over.
      for (; rows < maxRows && restarts < 3; rows += 10) {
        await Promise.all(
          Array.from({ length: 10 }, () => group.submit(() => insert.run(randomBytes(2000)), false)),
        )
        const now = logSalt(path)
        if (salt !== undefined && now !== salt) restarts++
        salt = now
      }
      await group.drained()
    } finally {
      await checkpointer.close()
    }
    // The log started over again and again (a new salt each time). Without a hold it never does,
    // however long the writes go on: a checkpoint beside writes never finds everything copied.
    expect(restarts).toBeGreaterThanOrEqual(3)
    expect((db.prepare('SELECT COUNT(*) AS n FROM t').get() as { n: number }).n).toBe(rows)
    db.close()
  })

  it('checkpointer - holds nothing while the log is short', async () => {
    const { path, db } = openWriter()
    const options = workerOptionsFor(path, 5000, true)!
    const checkpointer = new Checkpointer(path, options)
    try {
      db.prepare('INSERT INTO t (x) VALUES (?)').run(randomBytes(100))
      checkpointer.nudge()
      await checkpointer.completed()
      expect(checkpointer.holdWrites()).toBeUndefined()
    } finally {
      await checkpointer.close()
      db.close()
    }
  })
})
