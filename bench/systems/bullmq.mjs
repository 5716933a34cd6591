// BullMQ adapter on the machine's Redis (REDIS_URL, default redis://127.0.0.1:6379).
// Tiers: AOF on with `appendfsync everysec` (relaxed) / `always` (strict), set with `redis-cli config
// set` for the run and restored by teardown.
import { execFileSync } from 'node:child_process'
import { Queue, Worker } from 'bullmq'

const env = process.env
const url = new URL(env.REDIS_URL ?? 'redis://127.0.0.1:6379')
const connection = { host: url.hostname, port: Number(url.port || 6379) }
const cli = (...args) =>
  execFileSync('redis-cli', ['-h', connection.host, '-p', String(connection.port), ...args], {
    encoding: 'utf8',
  }).trim()
const getConfig = (key) => cli('config', 'get', key).split('\n')[1]
const JOB = { removeOnComplete: true, removeOnFail: true }

export function bullmq() {
  const queues = new Map()
  const workers = new Set()
  let saved

  const queueOf = (name) => {
    if (!queues.has(name)) queues.set(name, new Queue(name, { connection }))
    return queues.get(name)
  }

  async function aofSettled() {
    for (let tries = 0; tries < 200; tries++) {
      const info = cli('info', 'persistence')
      if (/aof_rewrite_in_progress:0/.test(info) && /aof_rewrite_scheduled:0/.test(info)) return
      await new Promise((r) => setTimeout(r, 100))
    }
  }

  return {
    name: 'bullmq',
    modes: ['push'],
    settings: (tier) =>
      `BullMQ, Redis appendonly yes, appendfsync ${tier === 'strict' ? 'always' : 'everysec'}`,

    async setup(tier) {
      saved = { appendonly: getConfig('appendonly'), appendfsync: getConfig('appendfsync') }
      cli('config', 'set', 'appendonly', 'yes')
      cli('config', 'set', 'appendfsync', tier === 'strict' ? 'always' : 'everysec')
      await aofSettled()
      return {}
    },
    async attach() {},
    async prepare() {},

    async send(queue, items) {
      const q = queueOf(queue)
      if (items.length === 1) {
        const [{ data, delay }] = items
        await q.add('m', data, { ...JOB, delay })
      } else await q.addBulk(items.map(({ data, delay }) => ({ name: 'm', data, opts: { ...JOB, delay } })))
    },

    /** One Worker with `concurrency`; its lock (lease) is `lease` ms, stalled jobs checked every lease/2. */
    consume(queue, { concurrency, lease = 30_000 }, handler) {
      const worker = new Worker(queue, (job) => handler(job.data), {
        connection,
        concurrency,
        lockDuration: lease,
        stalledInterval: Math.max(500, lease / 2),
      })
      workers.add(worker)
      return {
        ready: worker.waitUntilReady(),
        close: async () => {
          await worker.close()
          workers.delete(worker)
        },
      }
    },

    hold(queue, n, lease) {
      let held = 0
      return new Promise((resolve) => {
        new Worker(
          queue,
          () => {
            if (++held === n) resolve()
            return new Promise(() => {})
          },
          { connection, concurrency: n, lockDuration: lease, stalledInterval: Math.max(500, lease / 2) },
        )
      })
    },

    async drop(queue) {
      await queueOf(queue).obliterate({ force: true })
      await queueOf(queue).close()
      queues.delete(queue)
    },

    async teardown() {
      for (const w of workers) await w.close(true)
      for (const q of queues.values()) await q.close()
      if (saved) {
        cli('config', 'set', 'appendfsync', saved.appendfsync)
        cli('config', 'set', 'appendonly', saved.appendonly)
      }
    },
  }
}
