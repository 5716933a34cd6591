import { spawn } from 'node:child_process'
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import Database from 'better-sqlite3'
import { build } from 'esbuild'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { encodeFields } from '../../body.js'
import { PandoraError } from '../../errors.js'
import { blobKeyOf, prepareMessage } from '../../message.js'
import { Status } from '../../status.js'
import type { StoreOptions } from '../../store.js'
import { mailbox, runStoreConformance } from '../store.case.test.js'
import { openSqliteStore } from './index.js'
import { MID_MERGE_AT } from './mid-index.js'
import { MIGRATIONS, SCHEMA_VERSION } from './migrations.js'
import type { SqliteStore, SqliteStoreOptions } from './sqlite-store.js'
import { SQL } from './statements.js'

const dirs: string[] = []
const tempFile = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'pandora-sqlite-'))
  dirs.push(dir)
  return join(dir, 'pandora.db')
}
const removeTemp = (): void => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
}

describe('sqlite store', () => {
  runStoreConformance({
    newStore: async (options: StoreOptions) => {
      const path = tempFile()
      const make = () => openSqliteStore({ ...options, path })
      let store = await make()
      return {
        store,
        reopen: async () => {
          await store.close()
          store = await make()
          return store
        },
        // Other connections on the same file: real concurrent writers, serialised by SQLite's lock.
        peers: (n) => Promise.all(Array.from({ length: n }, make)),
        // Another connection rewrites the body, as a damaged file would read back.
        corrupt: async (mid) => {
          const other = new Database(path)
          try {
            tamper(other, mid)
          } finally {
            other.close()
          }
        },
        // A trigger refuses the receiver's rows inside the store's own transaction.
        failWritesTo: async (receiver) => {
          const other = new Database(path)
          try {
            const name = `'${receiver.replaceAll("'", "''")}'`
            other.exec(`CREATE TRIGGER refuse_write BEFORE INSERT ON messages WHEN NEW.receiver = ${name}
                        BEGIN SELECT RAISE(ABORT, 'write refused by the test'); END`)
          } finally {
            other.close()
          }
        },
        dispose: async () => {
          await store.close()
          removeTemp()
        },
      }
    },
  })
})

/** Distinct sends to `box`, numbered from `from`; each the same body when sent again (clientTime fixed). */
const sends = (box: string, from: number, count: number) =>
  Array.from({ length: count }, (_, i) => ({
    sender: 's@test',
    receiver: box,
    fields: { i: String(from + i) },
    clientTime: '2026-01-01T00:00:00Z',
  }))
/** What `mids` holds in the file at `path`, and up to which seq. */
const merged = (path: string) => {
  const db = new Database(path, { readonly: true })
  try {
    const rows = (db.prepare('SELECT COUNT(*) AS n FROM mids').get() as { n: number }).n
    const to = (
      db.prepare("SELECT value FROM store_state WHERE name = 'mids_merged_to'").get() as {
        value: number
      }
    ).value
    return { rows, to }
  } finally {
    db.close()
  }
}

describe('sqlite store - own cases', () => {
  const open: SqliteStore[] = []
  const newStore = async (
    path = tempFile(),
    options: Partial<SqliteStoreOptionsNoPath> = {},
  ): Promise<SqliteStore> => {
    const store = await openSqliteStore({ path, ...options })
    open.push(store)
    return store
  }
  afterEach(async () => {
    await Promise.all(open.splice(0).map((s) => s.close()))
    removeTemp()
  })

  it('openSqliteStore - loads better-sqlite3 lazily and opens a ready store', async () => {
    const store = await openSqliteStore({ path: tempFile() })
    open.push(store)
    expect(store.kind).toBe('sqlite')
    const box = mailbox()
    const { mid } = await store.send({ sender: 's@test', receiver: box, fields: { a: '1' } })
    expect((await store.get(mid))?.fields?.a).toEqual(['1'])
  })

  it("open - ':memory:' gives a private database that serves the whole cycle", async () => {
    const store = await newStore(':memory:')
    const box = mailbox()
    const { mid } = await store.send({ sender: 's@test', receiver: box, fields: { a: '1' } })
    const [m] = await store.fetch(box, { leaseTime: 5000 })
    await store.ack(mid, m!.lid, Status.confirmed)
    expect(await store.stats(box)).toMatchObject({ confirmed: 1, pending: 0 })
  })

  it('openSqliteStore - without better-sqlite3 fails with an install hint', async () => {
    vi.resetModules()
    vi.doMock('better-sqlite3', () => {
      throw new Error("Cannot find package 'better-sqlite3'")
    })
    try {
      const { openSqliteStore: openWithout } = await import('./index.js')
      const error = await openWithout({ path: tempFile() }).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(Error)
      expect(error).toMatchObject({ code: 'unavailable' })
      expect((error as Error).message).toContain('npm i better-sqlite3@12')
    } finally {
      vi.doUnmock('better-sqlite3')
      vi.resetModules()
    }
  })

  it('signal - a listener told of a send can fetch the message at once (notified after commit)', async () => {
    const store = await newStore()
    const box = mailbox()
    const fetched = new Promise<string[]>((resolve, reject) => {
      store.onAvailable((receiver) => {
        if (receiver === box) {
          store.fetch(box, { leaseTime: 5000 }).then((ms) => resolve(ms.map((m) => m.mid)), reject)
        }
      })
    })
    const { mid } = await store.send({ sender: 's@test', receiver: box, fields: { a: '1' } })
    expect(await fetched).toEqual([mid])
  })

  it('errors - a failure of SQLite itself is reported as unavailable', async () => {
    const path = tempFile()
    const store = await newStore(path)
    const box = mailbox()
    // Another connection holds the write lock longer than this store waits for it.
    const other = new Database(path)
    const short = await newStore(path, { busyTimeout: 50 })
    other.exec('BEGIN IMMEDIATE')
    try {
      await expect(short.send({ sender: 's@test', receiver: box, fields: { a: '1' } })).rejects.toMatchObject(
        {
          code: 'unavailable',
        },
      )
    } finally {
      other.exec('ROLLBACK')
      other.close()
    }
    await expect(store.send({ sender: 's@test', receiver: box, fields: { a: '1' } })).resolves.toMatchObject({
      duplicate: false,
    })
  })

  it('plan - nextDueIn reads the head of each priority level in the partial ready index, never scans the table', async () => {
    const path = tempFile()
    await newStore(path)
    const db = new Database(path, { readonly: true })
    try {
      const rows = db.prepare(`EXPLAIN QUERY PLAN ${SQL.nextDue}`).all({ receiver: 'x@t', priority: 0 })
      const plan = (rows as { detail: string }[]).map((r) => r.detail).join('\n')
      expect(plan).toMatch(
        /SEARCH messages USING COVERING INDEX messages_ready \(receiver=\? AND priority=\?\)/,
      )
      expect(plan).not.toMatch(/SCAN/)
      expect(plan).not.toMatch(/TEMP B-TREE/)
    } finally {
      db.close()
    }
  })

  it('plan - fetch seeks each priority level and its due head in messages_ready: no scan, no sort', async () => {
    const path = tempFile()
    await newStore(path)
    const db = new Database(path, { readonly: true })
    const planOf = (sql: string, params: object | unknown[]) =>
      (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(params) as { detail: string }[])
        .map((r) => r.detail)
        .join('\n')
    try {
      const level = planOf(SQL.levelBelow, { receiver: 'x@t', below: 11 })
      expect(level).toMatch(
        /SEARCH messages USING COVERING INDEX messages_ready \(receiver=\? AND priority<\?\)/,
      )
      const due = planOf(SQL.due, { receiver: 'x@t', priority: 0, now: 0, limit: 1 })
      expect(due).toMatch(
        /SEARCH messages USING INDEX messages_ready \(receiver=\? AND priority=\? AND visible_at<\?\)/,
      )
      // A mid is found by rowid (the in-memory hint) or through `mids`: two seeks, never a scan.
      const byMid = planOf(SQL.seqOfMid, [null, 'm', 'm'])
      expect(byMid).toMatch(/SEARCH messages USING INTEGER PRIMARY KEY \(rowid=\?\)/)
      expect(byMid).toMatch(/SEARCH mids USING PRIMARY KEY \(mid=\?\)/)
      // A confirm of a lease the store remembers handing out seeks its row by rowid.
      const confirm = planOf(SQL.confirmLeased, [1, 'm', 'm', 'l', 0])
      expect(confirm).toMatch(/SEARCH messages USING INTEGER PRIMARY KEY \(rowid=\?\)/)
      for (const plan of [level, due, byMid, confirm]) {
        expect(plan).not.toMatch(/SCAN/)
        expect(plan).not.toMatch(/TEMP B-TREE/)
      }
    } finally {
      db.close()
    }
  })

  it('statements bind a row limit only through CAST, so SQLite never compiles them again per run', () => {
    // SQLite (3.4x) compiles a bare `LIMIT @limit` with the value bound at the time as a constant
    // and compiles the statement anew whenever that parameter is bound again — on every run, as
    // better-sqlite3 binds every run: each fetch paid a parse and a plan (~9 % of pandorad's CPU
    // with one consumer, seen with perf; EXPLAIN cannot show it, and better-sqlite3 exposes no
    // re-prepare counter, so the spelling is what this test can hold).
    const bare = Object.entries(SQL).filter(([, sql]) => /LIMIT\s+[@:$?]/i.test(sql))
    expect(bare.map(([name]) => name)).toEqual([])
    const limited = Object.entries(SQL).filter(([, sql]) => sql.includes('@limit'))
    expect(limited.map(([name]) => name).sort()).toEqual([
      'dead',
      'due',
      'headers',
      'headersDesc',
      'purgeChunk',
    ])
  })

  it('plan - headers in either order read messages_received without sorting', async () => {
    const path = tempFile()
    await newStore(path)
    const db = new Database(path, { readonly: true })
    try {
      for (const sql of [SQL.headers, SQL.headersDesc]) {
        const rows = db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all({ receiver: 'x@t', since: 0, limit: 1 })
        const plan = (rows as { detail: string }[]).map((r) => r.detail).join('\n')
        expect(plan).toMatch(
          /SEARCH messages USING INDEX messages_received \(receiver=\? AND received_at>\?\)/,
        )
        expect(plan).not.toMatch(/TEMP B-TREE/)
      }
    } finally {
      db.close()
    }
  })

  it('plan - mailbox counts read indexes only, except for messages not yet due', async () => {
    const path = tempFile()
    await newStore(path)
    const db = new Database(path, { readonly: true })
    const planOf = (sql: string) =>
      (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all({ receiver: 'x@t', now: 0 }) as { detail: string }[])
        .map((r) => r.detail)
        .join('\n')
    try {
      expect(planOf(SQL.countDue)).toMatch(/USING COVERING INDEX messages_ready/)
      expect(planOf(SQL.countDead)).toMatch(/USING COVERING INDEX messages_dead/)
      expect(planOf(SQL.countAll)).toMatch(/USING COVERING INDEX messages_received/)
      expect(planOf(SQL.countLater)).toMatch(/SEARCH messages USING INDEX messages_ready \(receiver=\?\)/)
    } finally {
      db.close()
    }
  })

  it('purge - a large mailbox goes in several short transactions; a message sent meanwhile is kept; shared blobs are given back', async () => {
    const path = tempFile()
    const store = await newStore(path)
    const box = mailbox()
    const other = mailbox()
    const inputs = Array.from({ length: 700 }, (_, i) => ({
      sender: 's@test',
      receiver: box,
      fields: { i: String(i) },
    }))
    await store.sendBatch(inputs)
    // One body for both mailboxes in one batch: a shared blob, a reference each.
    const [shared] = await store.sendBatch([
      { sender: 's@test', receiver: box, fields: { both: 'yes' } },
      { sender: 's@test', receiver: other, fields: { both: 'yes' } },
    ])
    const blob = blobKeyOf((await store.get(shared!.mid))!.fields!)
    const before = store.writeStats().commits
    const purged = store.purge(box)
    const late = await store.send({ sender: 's@test', receiver: box, fields: { late: 'kept' } })
    expect(await purged).toBe(701)
    // 701 rows in chunks of 256: at least three transactions, not one that holds the loop.
    expect(store.writeStats().commits - before).toBeGreaterThanOrEqual(3)
    expect((await store.headers(box)).map((h) => h.mid)).toEqual([late.mid])
    expect(await store.updateRefCount(blob, 0)).toBe(1)
    expect(await store.stats(other)).toMatchObject({ pending: 1 })
    await store.close()
  })

  it('blobs - bytes changed on disk are reported as corrupt_blob, never returned', async () => {
    const path = tempFile()
    const store = await newStore(path)
    const box = mailbox()
    // Sent to two mailboxes in one batch: the body is a shared blob.
    const fields = { secret: 'original' }
    const [sent] = await store.sendBatch([
      { sender: 's@test', receiver: box, fields },
      { sender: 's@test', receiver: mailbox(), fields },
    ])
    const mid = sent!.mid
    const blob = blobKeyOf((await store.get(mid))!.fields!)
    const other = new Database(path)
    tamper(other, mid)
    other.close()
    const codeOf = (p: Promise<unknown>) =>
      p.then(
        () => 'resolved',
        (e: PandoraError) => e.code,
      )
    expect(await codeOf(store.getBlob(blob))).toBe('corrupt_blob')
    expect(await codeOf(store.get(mid))).toBe('corrupt_blob')
    // A fetch does not hand them out, but counts the delivery (see the conformance case 'poison').
    expect(await store.fetch(box, { leaseTime: 5000 })).toEqual([])
    expect(await store.stats(box)).toMatchObject({ pending: 0, leased: 1 })
  })

  it('group commit - 200 sends in one tick are committed together and all answered', async () => {
    const store = await newStore()
    const box = mailbox()
    const before = store.writeStats().commits
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        store.send({ sender: 's@test', receiver: box, fields: { i: String(i) } }),
      ),
    )
    expect(new Set(results.map((r) => r.mid)).size).toBe(200)
    expect((await store.stats(box)).pending).toBe(200)
    // One transaction per tick, not one per send (a few ticks may pass while bodies are hashed).
    expect(store.writeStats().commits - before).toBeLessThanOrEqual(5)
  })

  it('fsync - sends are answered after one shared fsync of the log; leases and acks need none; normal never fsyncs', async () => {
    const store = await newStore()
    const box = mailbox()
    const sent = await Promise.all(
      Array.from({ length: 64 }, (_, i) =>
        store.send({ sender: 's@test', receiver: box, fields: { i: String(i) } }),
      ),
    )
    expect(sent).toHaveLength(64)
    expect(store.writeStats()).toMatchObject({ fsyncs: 1, durableWrites: 64 })
    const leased = await store.fetch(box, { leaseTime: 30_000, max: 64 })
    await store.ackMany(leased.map((m) => ({ mid: m.mid, lid: m.lid, status: Status.confirmed })))
    expect(store.writeStats()).toMatchObject({ fsyncs: 1, durableWrites: 64 })
    const relaxed = await newStore(undefined, { synchronous: 'normal' })
    await relaxed.send({ sender: 's@test', receiver: box, fields: {} })
    expect(relaxed.writeStats().fsyncs).toBe(0)
  })

  it('checkpoints - with backgroundCheckpoints, a worker copies the log into the database file while the store stays open', async () => {
    const path = tempFile()
    const store = await newStore(path, { backgroundCheckpoints: true })
    const box = mailbox()
    await store.sendBatch(
      Array.from({ length: 50 }, (_, i) => ({ sender: 's@test', receiver: box, fields: { i: String(i) } })),
    )
    // SQLite alone would leave these few pages in the log until 1,000 had gathered there.
    await store.checkpointed()
    // The database file without its log: what a checkpoint has put in the file itself.
    const copy = tempFile()
    writeFileSync(copy, readFileSync(path))
    const db = new Database(copy, { readonly: true })
    try {
      const row = db.prepare('SELECT COUNT(*) AS n FROM messages WHERE receiver = ?').get(box) as {
        n: number
      }
      expect(row.n).toBe(50)
    } finally {
      db.close()
    }
  })

  it('counts - on the read worker and on the store connection, mailboxes and stats read the same', async () => {
    const path = tempFile()
    const onWorker = await newStore(path)
    const onConnection = await newStore(path, { readWorker: false })
    const [a, b] = [mailbox(), mailbox()].sort()
    await onWorker.sendBatch([
      ...['1', '2', '3'].map((i) => ({ sender: 's@test', receiver: a!, fields: { i } })),
      { sender: 's@test', receiver: b!, fields: { i: '4' } },
      { sender: 's@test', receiver: b!, fields: { i: '5' }, delay: 60_000 },
    ])
    const [first, second] = await onWorker.fetch(a!, { leaseTime: 30_000, max: 2 })
    await onWorker.ack(first!.mid, first!.lid, Status.confirmed)
    expect(second).toBeDefined()
    const expected = [
      { receiver: a, pending: 1, leased: 1, delayed: 0, dead: 0, confirmed: 1 },
      { receiver: b, pending: 1, leased: 0, delayed: 1, dead: 0, confirmed: 0 },
    ]
    const mine = (list: { receiver: string }[]) => list.filter((s) => s.receiver === a || s.receiver === b)
    expect(mine(await onWorker.mailboxes())).toEqual(expected)
    expect(mine(await onConnection.mailboxes())).toEqual(expected)
    expect(await onConnection.stats(b!)).toEqual(expected[1])
    // The sums metrics read, without one object per mailbox.
    const totals = { mailboxes: 2, pending: 2, leased: 1, delayed: 1, dead: 0, confirmed: 1 }
    expect(await onWorker.totals()).toEqual(totals)
    expect(await onConnection.totals()).toEqual(totals)
    expect(await onWorker.stats(mailbox())).toEqual({
      receiver: expect.any(String),
      pending: 0,
      leased: 0,
      delayed: 0,
      dead: 0,
      confirmed: 0,
    })
  })

  it('counts - the list as JSON bytes is the list serialized, on the read worker and on the store connection', async () => {
    const path = tempFile()
    const onWorker = await newStore(path)
    const onConnection = await newStore(path, { readWorker: false })
    // Names that JSON must escape or that sort apart by code unit: a quote, a backslash, astral.
    const boxes = ['"quoted"@test', 'back\\slash@test', 'zoë@例え.jp', '😀@test', 'plain@test']
    await onWorker.sendBatch(
      boxes.map((receiver, i) => ({ sender: 's@test', receiver, fields: { i: String(i) } })),
    )
    const [leased] = await onWorker.fetch('plain@test', { leaseTime: 30_000, max: 1 })
    expect(leased).toBeDefined()
    for (const store of [onWorker, onConnection]) {
      const text = new TextDecoder('utf-8', { fatal: true }).decode(await store.mailboxesJson())
      // Exactly what serializing the objects gives: the same keys in the same order, every item.
      expect(text).toBe(JSON.stringify(await store.mailboxes()))
      const listed = (JSON.parse(text) as { receiver: string }[]).map((m) => m.receiver)
      expect(listed).toEqual(expect.arrayContaining(boxes))
    }
  })

  it('group commit - an invalid batch stores nothing while a send of the same tick succeeds', async () => {
    const store = await newStore()
    const box = mailbox()
    const a = store.send({ sender: 's@test', receiver: box, fields: { ok: 'a' } })
    const bad = store.sendBatch([
      { sender: 's@test', receiver: box, fields: { ok: 'b' } },
      { sender: 's@test', receiver: '', fields: { ok: 'c' } },
    ])
    const b = store.send({ sender: 's@test', receiver: box, fields: { ok: 'd' } })
    await expect(bad).rejects.toMatchObject({ code: 'invalid_mailbox' })
    await expect(a).resolves.toMatchObject({ duplicate: false })
    await expect(b).resolves.toMatchObject({ duplicate: false })
    expect((await store.headers(box)).length).toBe(2)
  })

  it('group commit - an ack that fails in a group does not undo the others', async () => {
    const store = await newStore()
    const box = mailbox()
    await store.sendBatch(
      [1, 2, 3].map((i) => ({ sender: 's@test', receiver: box, fields: { i: String(i) } })),
    )
    const [m1, m2, m3] = await store.fetch(box, { leaseTime: 5000, max: 3 })
    const blob1 = blobKeyOf(m1!.fields)
    const outcomes = await Promise.allSettled([
      store.ack(m1!.mid, m1!.lid, Status.confirmed),
      store.ack(m2!.mid, m3!.lid, Status.confirmed),
      store.ack(m3!.mid, m3!.lid, Status.rejected),
    ])
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled'])
    expect(await store.stats(box)).toMatchObject({ confirmed: 1, leased: 1, pending: 1 })
    expect(await store.getBlob(blob1)).toBeNull()
  })

  it('ack - a lease whose message was purged confirms nothing, and a new message is untouched', async () => {
    const store = await newStore()
    const box = mailbox()
    await store.send({ sender: 's@test', receiver: box, fields: { i: '1' } })
    const [old] = await store.fetch(box, { leaseTime: 5000, max: 1 })
    // The new message is stored after the old one's row is gone (its rowid is never reused).
    await store.purge(box)
    await store.send({ sender: 's@test', receiver: box, fields: { i: '2' } })
    const [fresh] = await store.fetch(box, { leaseTime: 5000, max: 1 })
    await expect(store.ack(old!.mid, old!.lid, Status.confirmed)).rejects.toMatchObject({
      code: 'unable_to_change_status',
    })
    // The old lease's lid on the new message's mid: refused too, and the new lease still holds.
    await expect(store.ack(fresh!.mid, old!.lid, Status.confirmed)).rejects.toMatchObject({
      code: 'unable_to_change_status',
    })
    expect(await store.stats(box)).toMatchObject({ leased: 1, confirmed: 0 })
    await store.ack(fresh!.mid, fresh!.lid, Status.confirmed)
    expect(await store.stats(box)).toMatchObject({ leased: 0, confirmed: 1 })
  })

  describe('mids (the index of mids in two parts)', () => {
    /** Sends `count` distinct messages to a new mailbox and waits until a merge has committed. */
    const sentPastMerge = async (count: number) => {
      const path = tempFile()
      const store = await newStore(path)
      const box = mailbox()
      const all = sends(box, 0, count)
      for (let k = 0; k < all.length; k += 500) await store.sendBatch(all.slice(k, k + 500))
      // The merge is a write of its own, queued after the send that made it due: one more write
      // after it has committed.
      await store.send({ sender: 's@test', receiver: box, fields: { after: 'merge' } })
      return { path, store, box, all }
    }

    it('a body sent again is a duplicate whether its mid was merged or not, and after reopening', async () => {
      const { path, store, box, all } = await sentPastMerge(MID_MERGE_AT + 100)
      const { rows, to } = merged(path)
      expect(rows).toBeGreaterThanOrEqual(MID_MERGE_AT)
      expect(to).toBeGreaterThanOrEqual(MID_MERGE_AT)
      const first = all[0]!
      const last = all.at(-1)!
      for (const input of [first, last]) expect(await store.send(input)).toMatchObject({ duplicate: true })
      expect(await store.stats(box)).toMatchObject({ pending: all.length + 1 })
      const [firstResult, lastResult] = await store.sendBatch([first, last])
      const firstMid = firstResult!.mid
      const lastMid = lastResult!.mid
      await store.close()
      const again = await newStore(path)
      for (const input of [first, last]) expect(await again.send(input)).toMatchObject({ duplicate: true })
      expect((await again.get(firstMid))?.fields?.i).toEqual(['0'])
      expect((await again.get(lastMid))?.fields?.i).toEqual([String(all.length - 1)])
      expect(await again.stats(box)).toMatchObject({ pending: all.length + 1 })
    })

    it('a write that rolled back leaves no ghost: its bodies sent again are stored, not called duplicates', async () => {
      const path = tempFile()
      const store = await newStore(path)
      const box = mailbox()
      const refused = mailbox()
      const other = new Database(path)
      other.exec(`CREATE TRIGGER refuse_write BEFORE INSERT ON messages WHEN NEW.receiver = '${refused}'
                  BEGIN SELECT RAISE(ABORT, 'write refused by the test'); END`)
      other.close()
      const [a, b] = sends(box, 0, 2)
      // a and b are inserted, then the third insert fails: the batch's write rolls back whole.
      await expect(
        store.sendBatch([a!, b!, { sender: 's@test', receiver: refused, fields: { i: 'x' } }]),
      ).rejects.toMatchObject({ code: 'unavailable' })
      expect(await store.stats(box)).toMatchObject({ pending: 0 })
      // In the other order, so each lands on the row the other's ghost names.
      const results = await store.sendBatch([b!, a!])
      expect(results.map((r) => r.duplicate)).toEqual([false, false])
      expect(await store.stats(box)).toMatchObject({ pending: 2 })
      expect((await store.get(results[0]!.mid))?.fields?.i).toEqual(['1'])
      expect((await store.get(results[1]!.mid))?.fields?.i).toEqual(['0'])
    })

    it('after a crash (the files copied while the store is open), unmerged mids are read back', async () => {
      const path = tempFile()
      const store = await newStore(path, { backgroundCheckpoints: false })
      const box = mailbox()
      const some = sends(box, 0, 50)
      await store.sendBatch(some)
      const copy = tempFile()
      for (const suffix of ['', '-wal'])
        if (existsSync(path + suffix)) copyFileSync(path + suffix, copy + suffix)
      const recovered = await newStore(copy)
      expect(await recovered.send(some[7]!)).toMatchObject({ duplicate: true })
      expect(await recovered.stats(box)).toMatchObject({ pending: 50 })
    })

    it('purged messages leave `mids`; their bodies can be sent again', async () => {
      const { path, store, box, all } = await sentPastMerge(MID_MERGE_AT + 10)
      expect(merged(path).rows).toBeGreaterThanOrEqual(MID_MERGE_AT)
      await store.purge(box)
      expect(merged(path).rows).toBe(0)
      expect(await store.send(all[0]!)).toMatchObject({ duplicate: false })
      expect(await store.send(all.at(-1)!)).toMatchObject({ duplicate: false })
      expect(await store.stats(box)).toMatchObject({ pending: 2 })
    })
  })

  it('migrations - a version 5 file: its messages are found by mid, and a body sent again is a duplicate', async () => {
    const path = tempFile()
    const box = mailbox()
    const old = await prepareMessage({ sender: 's@test', receiver: box, fields: { v: '5' } }, { now: 0 })
    const db = new Database(path)
    for (const step of MIGRATIONS.slice(0, 5)) db.exec(step)
    db.pragma('user_version = 5')
    db.prepare(
      `INSERT INTO messages (mid, receiver, sender, status, received_at, send_when, visible_at, size, blob, body, in_blobs)
       VALUES (?, ?, 's@test', 8, 0, 0, 0, ?, ?, ?, 0)`,
    ).run(old.mid, box, old.bytes.byteLength, old.blob, Buffer.from(old.shared))
    db.close()
    const store = await newStore(path)
    expect((await store.get(old.mid))?.fields?.v).toEqual(['5'])
    expect(
      await store.send({
        sender: 's@test',
        receiver: box,
        fields: { v: '5' },
        clientTime: old.fields.clientTime![0]!,
      }),
    ).toMatchObject({ mid: old.mid, duplicate: true })
    expect(merged(path)).toEqual({ rows: 1, to: 1 })
    const [leased] = await store.fetch(box, { leaseTime: 5000, max: 1 })
    await store.ack(leased!.mid, leased!.lid, Status.confirmed)
    expect(await store.stats(box)).toMatchObject({ confirmed: 1 })
  })

  it('close - a write already queued is committed and answered; a later one is refused', async () => {
    const path = tempFile()
    const store = await newStore(path)
    const box = mailbox()
    await store.send({ sender: 's@test', receiver: box, fields: { a: '1' } })
    const fetched = store.fetch(box, { leaseTime: 5000 })
    const closing = store.close()
    // Asked for once close has begun: never accepted.
    const late = store.send({ sender: 's@test', receiver: box, fields: { late: 'yes' } }).then(
      () => 'stored',
      (e: PandoraError) => e.code,
    )
    await closing
    expect(await fetched).toHaveLength(1)
    expect(await late).toBe('store_closed')
    const again = await newStore(path)
    expect(await again.stats(box)).toMatchObject({ leased: 1, pending: 0 })
  })

  it('migrations - reopening a file is idempotent and leaves it at the latest version', async () => {
    const path = tempFile()
    const first = await newStore(path)
    const box = mailbox()
    const { mid } = await first.send({ sender: 's@test', receiver: box, fields: { keep: '1' } })
    await first.close()
    const second = await newStore(path)
    await second.close()
    const third = await newStore(path)
    expect((await third.get(mid))?.fields?.keep).toEqual(['1'])
    const db = new Database(path, { readonly: true })
    expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION)
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal')
    db.close()
  })

  it('migrations - messages of a version 1 file (body blob under its mid) read, deliver and collect as before', async () => {
    const path = tempFile()
    const box = mailbox()
    const old = await prepareMessage(
      { sender: 's@test', receiver: box, fields: { legacy: 'yes' }, clientTime: '2023-01-01T00:00:00Z' },
      { now: 0 },
    )
    const db = new Database(path)
    db.exec(MIGRATIONS[0]!)
    db.pragma('user_version = 1')
    db.prepare(
      `INSERT INTO messages (mid, receiver, sender, status, received_at, send_when, visible_at, size)
       VALUES (?, ?, 's@test', 8, 0, 0, 0, ?)`,
    ).run(old.mid, box, old.bytes.byteLength)
    db.prepare('INSERT INTO blobs (key, bytes, refs) VALUES (?, ?, 1)').run(old.mid, Buffer.from(old.bytes))
    db.close()

    const store = await newStore(path)
    const stored = await store.get(old.mid)
    expect(stored).toMatchObject({ mid: old.mid, priority: 0, receiver: box })
    expect(encodeFields(stored!.fields!)).toBe(old.body)
    // The same body sent again is still a duplicate; a new message beside it goes first by priority.
    const again = await store.send({
      sender: 's@test',
      receiver: box,
      fields: { legacy: 'yes' },
      clientTime: '2023-01-01T00:00:00Z',
    })
    expect(again).toEqual({ mid: old.mid, duplicate: true })
    const urgent = await store.send({ sender: 's@test', receiver: box, fields: { n: '1' }, priority: 1 })
    const [first, second] = await store.fetch(box, { leaseTime: 5000, max: 2 })
    expect([first?.mid, second?.mid]).toEqual([urgent.mid, old.mid])
    expect(encodeFields(second!.fields)).toBe(old.body)
    await store.ack(second!.mid, second!.lid, Status.confirmed)
    expect(await store.getBlob(old.mid)).toBeNull()
  })

  it('open - a path that cannot hold a database is refused as unavailable', async () => {
    const missingDir = join(dirname(tempFile()), 'no', 'such', 'dir', 'pandora.db')
    await expect(newStore(missingDir)).rejects.toMatchObject({ code: 'unavailable' })
  })

  it('migrations - a file from a newer Pandora is refused, not damaged', async () => {
    const path = tempFile()
    const db = new Database(path)
    db.pragma(`user_version = ${SCHEMA_VERSION + 1}`)
    db.close()
    await expect(newStore(path)).rejects.toBeInstanceOf(PandoraError)
  })

  it('close - a process with nothing else to do finishes closing the store (the read worker holds it until then)', async () => {
    const path = tempFile()
    const built = fileURLToPath(new URL('../../../dist/sqlite.js', import.meta.url))
    const script = join(dirname(path), 'close.mjs')
    writeFileSync(
      script,
      `import { openSqliteStore } from ${JSON.stringify(pathToFileURL(built).href)}
const store = await openSqliteStore({ path: ${JSON.stringify(path)} })
await store.send({ sender: 's@test', receiver: 'c@test', fields: { a: '1' } })
console.log('pending', (await store.stats('c@test')).pending)
await store.close()
console.log('closed')
`,
    )
    const child = spawn(process.execPath, [script], { stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString()
    })
    child.stderr.on('data', (d: Buffer) => {
      out += d.toString()
    })
    const code = await new Promise<number | null>((resolve) => child.once('close', resolve))
    expect(out.trim().split('\n')).toEqual(['pending 1', 'closed'])
    expect(code).toBe(0)
  })

  describe('durability', () => {
    let bundle: string
    beforeAll(async () => {
      // The child process cannot run TypeScript, so bundle the store's source to one ESM file. The
      // driver stays external, pointed at this repository's copy by absolute path.
      const driver = createRequire(import.meta.url).resolve('better-sqlite3')
      const dir = mkdtempSync(join(tmpdir(), 'pandora-bundle-'))
      bundle = join(dir, 'sqlite-store.mjs')
      await build({
        entryPoints: [join(dirname(fileURLToPath(import.meta.url)), 'index.ts')],
        bundle: true,
        platform: 'node',
        format: 'esm',
        outfile: bundle,
        logLevel: 'silent',
        plugins: [
          {
            name: 'driver-by-path',
            setup(b) {
              b.onResolve({ filter: /^better-sqlite3$/ }, () => ({
                path: pathToFileURL(driver).href,
                external: true,
              }))
            },
          },
        ],
      })
    })
    afterAll(() => rmSync(dirname(bundle), { recursive: true, force: true }))

    it('kill -9 - every send that was answered survives the process being killed', async () => {
      const path = tempFile()
      const script = join(dirname(path), 'child.mjs')
      writeFileSync(
        script,
        `import { openSqliteStore } from ${JSON.stringify(pathToFileURL(bundle).href)}
const store = await openSqliteStore({ path: ${JSON.stringify(path)}, synchronous: 'full' })
let i = 0
const worker = async () => {
  for (;;) {
    const n = ++i
    const { mid } = await store.send({ sender: 'kill@test', receiver: 'kill@test', fields: { n: String(n) } })
    process.stdout.write(mid + ' ' + n + '\\n')
  }
}
for (let w = 0; w < 8; w++) worker()
`,
      )
      const child = spawn(process.execPath, [script], { stdio: ['ignore', 'pipe', 'pipe'] })
      const answered = new Map<string, string>()
      let stderr = ''
      child.stderr.on('data', (d: Buffer) => {
        stderr += d.toString()
      })
      await new Promise<void>((resolve, reject) => {
        let buffered = ''
        child.stdout.on('data', (d: Buffer) => {
          buffered += d.toString()
          const lines = buffered.split('\n')
          buffered = lines.pop() ?? ''
          for (const line of lines) {
            const [mid, n] = line.split(' ')
            answered.set(mid!, n!)
          }
          if (answered.size >= 300 && child.exitCode === null) {
            child.kill('SIGKILL')
            resolve()
          }
        })
        child.on('exit', (code, signal) => {
          if (signal !== 'SIGKILL') reject(new Error(`child exited early (${code}): ${stderr}`))
        })
      })
      await new Promise<void>((resolve) =>
        child.exitCode !== null || child.signalCode ? resolve() : child.on('exit', () => resolve()),
      )
      const store = await newStore(path)
      for (const [mid, n] of answered) {
        const stored = await store.get(mid)
        expect(stored?.fields?.n, `message ${n}`).toEqual([n])
      }
      expect((await store.stats('kill@test')).pending).toBeGreaterThanOrEqual(answered.size)
    })
  })
})

type SqliteStoreOptionsNoPath = Omit<SqliteStoreOptions, 'path'>

/** Rewrites a message's stored body, inline or its blob, as a damaged file would read back. */
function tamper(db: Database.Database, mid: string): void {
  const bytes = Buffer.from('tampered')
  db.prepare('UPDATE messages SET body = ? WHERE mid = ? AND in_blobs = 0').run(bytes, mid)
  db.prepare(
    'UPDATE blobs SET bytes = ? WHERE key = (SELECT blob FROM messages WHERE mid = ? AND in_blobs = 1)',
  ).run(bytes, mid)
}
