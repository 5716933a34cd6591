// pg-boss 10 adapter on the machine's PostgreSQL (PANDORA_TEST_POSTGRES_URL, default
// postgres://postgres@127.0.0.1:5432/test), in its own schema dropped by teardown.
// Tiers: `synchronous_commit` off (relaxed) / on (strict), set on pg-boss's connections through the
// URL's `options`. Maintenance (which expires the leases of a dead worker) runs every second, its
// fastest; an idle consumer polls every 2 s (pg-boss's default) or 0.5 s (`poll: 'fastest'`, its minimum).
import pg from 'pg'
import PgBoss from 'pg-boss'

const env = process.env
const PG_URL = env.PANDORA_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
const withSync = (on) =>
  `${PG_URL}?options=${encodeURIComponent(`-c synchronous_commit=${on ? 'on' : 'off'}`)}`
const at = (delay) => (delay ? new Date(Date.now() + delay) : undefined)

export function pgboss() {
  let boss
  let schema

  const open = async (info, supervise) => {
    boss = new PgBoss({
      connectionString: info.connectionString,
      schema: info.schema,
      supervise,
      schedule: false,
      migrate: supervise,
      maintenanceIntervalSeconds: 1,
    })
    boss.on('error', (err) => console.error('pg-boss:', err.message))
    await boss.start()
  }

  return {
    name: 'pgboss',
    modes: ['push'],
    settings: (tier) =>
      `pg-boss 10, synchronous_commit=${tier === 'strict' ? 'on' : 'off'}, maintenance every 1 s, polling 2 s (default) or 0.5 s (fastest)`,

    async setup(tier) {
      schema = `bench_pgboss_${Date.now().toString(36)}`
      const info = { connectionString: withSync(tier === 'strict'), schema }
      await open(info, true)
      return info
    },
    async attach(info) {
      await open(info, false)
    },
    /** A queue whose jobs expire (lease) after `lease` ms and are retried at once, up to 10 times. */
    async prepare(queue, { lease = 30_000 } = {}) {
      await boss.createQueue(queue, {
        expireInSeconds: Math.ceil(lease / 1000),
        retryLimit: 10,
        retryDelay: 0,
      })
    },

    async send(queue, items) {
      if (items.length === 1) {
        const [{ data, delay }] = items
        await boss.send(queue, data, { startAfter: at(delay) })
      } else await boss.insert(items.map(({ data, delay }) => ({ name: queue, data, startAfter: at(delay) })))
    },

    /**
     * `concurrency` jobs a fetch (batchSize), completed together, fetched again at once while there
     * are jobs and after the polling interval when there were none. (pg-boss 10's work() waits the
     * interval after every fetch, full or not: batchSize / 2 s at most, 8 jobs/s with a batch of 16.)
     */
    consume(queue, { concurrency, poll = 'default' }, handler) {
      const interval = poll === 'fastest' ? 500 : 2000
      let stopped = false
      let wake
      const loop = (async () => {
        while (!stopped) {
          const jobs = await boss.fetch(queue, { batchSize: concurrency })
          if (jobs.length === 0) {
            await new Promise((r) => {
              wake = r
              setTimeout(r, interval)
            })
            continue
          }
          await Promise.all(jobs.map((job) => handler(job.data)))
          await boss.complete(
            queue,
            jobs.map((job) => job.id),
          )
        }
      })()
      return {
        ready: Promise.resolve(),
        close: async () => {
          stopped = true
          wake?.()
          await loop
        },
      }
    },

    hold(queue, n) {
      let held = 0
      return new Promise((resolve) => {
        boss.work(queue, { batchSize: n, pollingIntervalSeconds: 0.5 }, (jobs) => {
          held += jobs.length
          if (held >= n) resolve()
          return new Promise(() => {})
        })
      })
    },

    // deleteQueue fails here on pg-boss 10 (its partition's foreign key); the schema goes at teardown.
    async drop(queue) {
      await boss.purgeQueue(queue)
    },

    async teardown() {
      if (boss) await boss.stop({ graceful: false, wait: true, timeout: 5000 })
      if (schema) {
        const db = new pg.Client({ connectionString: PG_URL })
        await db.connect()
        await db.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)
        await db.end()
      }
    },
  }
}
