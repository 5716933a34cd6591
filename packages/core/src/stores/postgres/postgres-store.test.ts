import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { afterAll, describe, expect, it, vi } from 'vitest'
import { encodeFields } from '../../body.js'
import { PandoraError } from '../../errors.js'
import { blobKeyOf, prepareMessage } from '../../message.js'
import { Status } from '../../status.js'
import type { StoreOptions } from '../../store.js'
import { mailbox, runStoreConformance, type StoreHarness } from '../store.case.test.js'
import { openPostgresStore, PostgresStore, type PostgresStoreOptions } from './index.js'
import { LATEST_VERSION, MIGRATIONS } from './migrations.js'
import { statements } from './statements.js'

const url = process.env.PANDORA_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
const shownUrl = url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@')

/** Why no server answered, or null when one did. */
async function probe(): Promise<string | null> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 })
  client.on('error', () => {})
  try {
    await client.connect()
    await client.query('SELECT 1')
    return null
  } catch (error) {
    return error instanceof Error ? error.message || String(error) : String(error)
  } finally {
    await client.end().catch(() => {})
  }
}

const unreachable = await probe()

if (unreachable !== null) {
  if (process.env.CI === 'true') {
    describe('postgres store', () => {
      it('postgres store - PostgreSQL is required under CI', () => {
        throw new Error(
          `PostgreSQL is required under CI (CI=true) but none answered at ${shownUrl}: ${unreachable}. ` +
            'Start one or set PANDORA_TEST_POSTGRES_URL.',
        )
      })
    })
  } else {
    console.warn(
      `postgres store tests SKIPPED: no PostgreSQL at ${shownUrl} (${unreachable}). ` +
        'Set PANDORA_TEST_POSTGRES_URL to run them.',
    )
  }
}

describe('postgres store - without a server', () => {
  it('open - an unreachable database is named (host, port, database) with the cause, never the password', async () => {
    const error = await openPostgresStore({
      connectionString: 'postgres://pandora:secret-pw@127.0.0.1:1/orders',
    }).then(
      () => null,
      (e: unknown) => e as Error & { code: string },
    )
    expect(error?.code).toBe('unavailable')
    expect(error?.message).toMatch(/127\.0\.0\.1:1\/orders is unreachable: .*ECONNREFUSED/)
    expect(error?.message).not.toContain('secret-pw')
  })
})

describe.skipIf(unreachable !== null)('postgres store', () => {
  const admin = new pg.Pool({ connectionString: url, max: 2 })
  admin.on('error', () => {})
  afterAll(() => admin.end())

  const newSchema = () => `pandora_test_${randomBytes(6).toString('hex')}`
  const dropSchema = (schema: string) => admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)

  /** Stores on one fresh schema, sharing `options` (a clock among them); all closed and the schema dropped by dispose. */
  function fixture(options: Partial<PostgresStoreOptions> = {}) {
    const schema = newSchema()
    const opened: PostgresStore[] = []
    const config: PostgresStoreOptions = {
      connectionString: url,
      schema,
      poolSize: 4,
      ...options,
    }
    return {
      schema,
      open: async (extra: Partial<PostgresStoreOptions> = {}) => {
        const store = await openPostgresStore({ ...config, ...extra })
        opened.push(store)
        return store
      },
      dispose: async () => {
        await Promise.all(opened.map((s) => s.close()))
        await dropSchema(schema)
      },
    }
  }

  runStoreConformance({
    newStore: async (options: StoreOptions): Promise<StoreHarness> => {
      const f = fixture(options)
      let store = await f.open()
      return {
        store,
        reopen: async () => {
          await store.close()
          store = await f.open()
          return store
        },
        peers: (n) => Promise.all(Array.from({ length: n }, () => f.open())),
        // Rewritten behind the store's back, as a damaged table would read back.
        corrupt: (mid) => tamper(admin, f.schema, mid),
        // A trigger refuses the receiver's rows inside the store's own statement.
        failWritesTo: async (receiver) => {
          const s = `"${f.schema}"`
          await admin.query(
            `CREATE FUNCTION ${s}.refuse_write() RETURNS trigger LANGUAGE plpgsql AS $$
             BEGIN RAISE EXCEPTION 'write refused by the test'; END $$`,
          )
          await admin.query(
            `CREATE TRIGGER refuse_write BEFORE INSERT ON ${s}.messages FOR EACH ROW
             WHEN (NEW.receiver = ${pg.escapeLiteral(receiver)}) EXECUTE FUNCTION ${s}.refuse_write()`,
          )
        },
        dispose: f.dispose,
      }
    },
  })

  const waitForSignal = (store: PostgresStore, receiver: string) =>
    new Promise<string>((resolve) => {
      const off = store.onAvailable((r) => {
        if (r !== receiver) return
        off()
        resolve(r)
      })
    })

  it('notify - a message sent through one instance wakes the listeners of another', async () => {
    const f = fixture()
    try {
      const a = await f.open()
      const b = await f.open()
      const box = mailbox('notify')
      const woken = waitForSignal(b, box)
      const { mid } = await a.send({ sender: 's@test', receiver: box, fields: { x: '1' } })
      expect(await woken).toBe(box)
      const [m] = await b.fetch(box, { leaseTime: 5000 })
      expect(m?.mid).toBe(mid)
    } finally {
      await f.dispose()
    }
  })

  it('notify - the listener reconnects after its connection drops and wakes receivers it may have missed', async () => {
    const f = fixture()
    try {
      const a = await f.open()
      const b = await f.open()
      const box = mailbox('relisten')
      const { rowCount } = await admin.query(
        'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query = $1',
        [`LISTEN "pandora_${f.schema}"`],
      )
      expect(rowCount).toBe(2)
      // Sent while the listeners may still be down: the NOTIFY can be lost, the resync is not.
      const woken = waitForSignal(b, box)
      await a.send({ sender: 's@test', receiver: box, fields: { x: '1' } })
      expect(await woken).toBe(box)
    } finally {
      await f.dispose()
    }
  })

  it('send - two batches that deadlock on shared messages are retried: both succeed, each message stored once', async () => {
    const f = fixture()
    const holder = new pg.Client({ connectionString: url })
    holder.on('error', () => {})
    await holder.connect()
    try {
      const [a, b] = await Promise.all([f.open(), f.open()])
      const box = mailbox('deadlock')
      const input = (name: string) => ({
        sender: 's@test',
        receiver: box,
        fields: { name },
        clientTime: '2024-01-01T00:00:00Z',
      })
      const [x, y, z] = [input('x'), input('y'), input('z')]
      // Hold z so that each batch takes its first message, then queues behind the holder on z;
      // once the holder lets go, one takes z and each waits for the other's first message.
      const zMid = (await prepareMessage(z, { now: 0 })).mid
      await holder.query('BEGIN')
      await holder.query(
        `INSERT INTO "${f.schema}".messages (mid, receiver, sender, status, received_at, send_when, visible_at, size, blob)
         VALUES ($1, $2, 's@test', 8, 0, 0, 0, 1, $1)`,
        [zMid, box],
      )
      const sends = Promise.allSettled([a.sendBatch([x, z, y]), b.sendBatch([y, z, x])])
      let waiting = 0
      for (let i = 0; i < 10_000 && waiting < 2; i++) {
        const { rows } = await admin.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM pg_stat_activity
           WHERE wait_event_type = 'Lock' AND position($1 IN query) > 0`,
          [`"${f.schema}".blobs`],
        )
        waiting = rows[0]!.n
      }
      expect(waiting).toBe(2)
      await holder.query('ROLLBACK')
      const settled = await sends
      const results = settled.map((r) => {
        if (r.status === 'rejected') throw r.reason
        return r.value
      })
      const fresh = results.flat().filter((r) => !r.duplicate)
      expect(fresh.map((r) => r.mid).sort()).toEqual(results[0]!.map((r) => r.mid).sort())
      expect((await a.stats(box)).pending).toBe(3)
    } finally {
      await holder.end()
      await f.dispose()
    }
  })

  it('clock - the database clock decides leases, whatever the Node clock says', async () => {
    const f = fixture()
    try {
      const a = await f.open()
      let ahead = 0
      // Another instance deciding on a clock of its own (a test clock replaces the database's).
      const b = await f.open({ clock: { now: () => Date.now() + ahead } })
      const box = mailbox('clock')
      const { rows } = await admin.query<{ t: string }>(
        'SELECT (extract(epoch FROM clock_timestamp()) * 1000)::bigint AS t',
      )
      const dbNow = Number(rows[0]!.t)
      const nodeNow = vi.spyOn(Date, 'now').mockReturnValue(Date.UTC(2001, 0, 1))
      let leased: Awaited<ReturnType<PostgresStore['fetch']>>
      try {
        await a.send({ sender: 's@test', receiver: box, fields: { x: '1' } })
        leased = await a.fetch(box, { leaseTime: 5000 })
        expect(await a.nextDueIn(box)).toBeGreaterThan(3000)
      } finally {
        nodeNow.mockRestore()
      }
      const [m] = leased
      expect(Math.abs(m!.receivedAt - dbNow)).toBeLessThan(60_000)
      expect(m!.leasedUntil - m!.receivedAt).toBeGreaterThanOrEqual(5000)
      // Same database, another instance whose view of it runs 6 s ahead: the lease has expired.
      expect(await b.fetch(box, { leaseTime: 5000 })).toEqual([])
      ahead = 6000
      const [again] = await b.fetch(box, { leaseTime: 5000 })
      expect(again).toMatchObject({ mid: m!.mid, deliveryCount: 2, status: Status.timeout })
      await expect(a.ack(m!.mid, m!.lid, Status.confirmed)).rejects.toMatchObject({
        code: 'unable_to_change_status',
      })
    } finally {
      await f.dispose()
    }
  })

  it('migrate - two instances starting on a fresh schema together both succeed', async () => {
    const f = fixture()
    try {
      const [a, b] = await Promise.all([f.open(), f.open()])
      const { rows } = await admin.query<{ version: number }>(
        `SELECT version FROM "${f.schema}".schema_migrations ORDER BY version`,
      )
      expect(rows.map((r) => r.version)).toEqual(Array.from({ length: LATEST_VERSION }, (_, i) => i + 1))
      const box = mailbox('migrate')
      const { mid } = await a!.send({ sender: 's@test', receiver: box, fields: { x: '1' } })
      expect((await b!.get(mid))?.fields?.x).toEqual(['1'])
    } finally {
      await f.dispose()
    }
  })

  it('migrate - messages of a version 1 schema (body blob under its mid) read, deliver and collect as before', async () => {
    const f = fixture()
    try {
      const s = `"${f.schema}"`
      const box = mailbox('legacy')
      const old = await prepareMessage(
        { sender: 's@test', receiver: box, fields: { legacy: 'yes' }, clientTime: '2023-01-01T00:00:00Z' },
        { now: 0 },
      )
      await admin.query(`CREATE SCHEMA ${s}`)
      for (const statement of MIGRATIONS[0]!.up(s)) await admin.query(statement)
      await admin.query(
        `CREATE TABLE ${s}.schema_migrations (version integer PRIMARY KEY, name text NOT NULL,
           applied_at timestamptz NOT NULL DEFAULT now())`,
      )
      await admin.query(`INSERT INTO ${s}.schema_migrations (version, name) VALUES (1, 'messages and blobs')`)
      await admin.query(
        `INSERT INTO ${s}.messages (mid, receiver, sender, status, received_at, send_when, visible_at, size)
         VALUES ($1, $2, 's@test', 8, 0, 0, 0, $3)`,
        [old.mid, box, old.bytes.byteLength],
      )
      await admin.query(`INSERT INTO ${s}.blobs (key, bytes, refs) VALUES ($1, $2, 1)`, [
        old.mid,
        Buffer.from(old.bytes),
      ])

      const store = await f.open()
      const stored = await store.get(old.mid)
      expect(stored).toMatchObject({ mid: old.mid, priority: 0, receiver: box })
      expect(encodeFields(stored!.fields!)).toBe(old.body)
      const urgent = await store.send({ sender: 's@test', receiver: box, fields: { n: '1' }, priority: 1 })
      const [first, second] = await store.fetch(box, { leaseTime: 5000, max: 2 })
      expect([first?.mid, second?.mid]).toEqual([urgent.mid, old.mid])
      expect(encodeFields(second!.fields)).toBe(old.body)
      await store.ack(second!.mid, second!.lid, Status.confirmed)
      expect(await store.getBlob(old.mid)).toBeNull()
    } finally {
      await f.dispose()
    }
  })

  it('plan - fetch seeks each priority level and its due head in messages_ready, whatever waits above', async () => {
    const f = fixture()
    try {
      const store = await f.open()
      const s = `"${f.schema}"`
      // 60,000 messages over 21 levels, the higher ones delayed far ahead, then statistics.
      await admin.query(
        `INSERT INTO ${s}.messages (mid, receiver, sender, status, received_at, send_when, visible_at, size, priority, blob)
         SELECT md5(g::text) || '00000000', 'plan@t', 's@t', 8, 0, 0,
           CASE WHEN g % 21 > 10 THEN 9000000000000000 ELSE g END, 1, (g % 21) - 10, md5(g::text) || '00000000'
         FROM generate_series(1, 60000) g`,
      )
      await admin.query(`ANALYZE ${s}.messages`)
      const { rows } = await admin.query<{ 'QUERY PLAN': string }>({
        text: `EXPLAIN (COSTS OFF) ${statements(s).fetch}`,
        values: [0, 'plan@t', 1, 10, ['f'.repeat(40)], 5000, [0.5]],
      })
      const plan = rows.map((r) => r['QUERY PLAN']).join('\n')
      expect(plan).toMatch(/Index (Only )?Scan (Backward )?using messages_ready/)
      expect(plan).not.toMatch(/Seq Scan on messages/)
      const got = await store.fetch('plan@t', { leaseTime: 5000, max: 3 })
      expect(got.map((m) => m.priority)).toEqual([0, 0, 0])
    } finally {
      await f.dispose()
    }
  })

  it('schema - an invalid schema name is refused before any SQL', () => {
    for (const schema of ['', 'bad"name', 'x; DROP TABLE t', '1abc', 'pg_catalog', 'a'.repeat(56)]) {
      const attempt = () => new PostgresStore({ connectionString: url, schema })
      expect(attempt).toThrow(PandoraError)
      expect(attempt).toThrow(/schema must be/)
    }
    expect(new PostgresStore({ connectionString: url, schema: 'Mixed_Case_1' }).schema).toBe('Mixed_Case_1')
  })

  it('blobs - a stored body that no longer matches its key is reported corrupt', async () => {
    const f = fixture()
    try {
      const store = await f.open()
      const box = mailbox('corrupt')
      // Sent to two mailboxes in one batch: the body is a shared blob.
      const fields = { x: '1' }
      const [sent] = await store.sendBatch([
        { sender: 's@test', receiver: box, fields },
        { sender: 's@test', receiver: mailbox('corrupt'), fields },
      ])
      const mid = sent!.mid
      const blob = blobKeyOf((await store.get(mid))!.fields!)
      await tamper(admin, f.schema, mid)
      await expect(store.get(mid)).rejects.toMatchObject({ code: 'corrupt_blob' })
      await expect(store.getBlob(blob)).rejects.toMatchObject({ code: 'corrupt_blob' })
    } finally {
      await f.dispose()
    }
  })

  it('open - without the pg driver installed it fails with unavailable and an install hint', async () => {
    vi.resetModules()
    vi.doMock('pg', () => {
      throw new Error("Cannot find package 'pg'")
    })
    try {
      const fresh = await import('./index.js')
      const attempt = fresh.openPostgresStore({ connectionString: url, schema: newSchema() })
      await expect(attempt).rejects.toMatchObject({ code: 'unavailable', message: /npm i pg/ })
    } finally {
      vi.doUnmock('pg')
      vi.resetModules()
    }
  })

  it('open - an unreachable server fails with unavailable', async () => {
    const attempt = openPostgresStore({ connectionString: 'postgres://postgres@127.0.0.1:1/test' })
    await expect(attempt).rejects.toMatchObject({ code: 'unavailable' })
  })
})

/** Rewrites a message's stored body, inline or its blob, behind the store's back. */
async function tamper(admin: pg.Pool, schema: string, mid: string): Promise<void> {
  const s = `"${schema}"`
  await admin.query(`UPDATE ${s}.messages SET body = 'tampered' WHERE mid = $1 AND NOT in_blobs`, [mid])
  await admin.query(
    `UPDATE ${s}.blobs SET bytes = 'tampered'
     WHERE key = (SELECT blob FROM ${s}.messages WHERE mid = $1 AND in_blobs)`,
    [mid],
  )
}
