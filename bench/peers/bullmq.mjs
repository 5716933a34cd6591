// The peer we measure ourselves against, on the same machine: BullMQ on the local Redis.
//   node bench/peers/bullmq.mjs       (Redis at REDIS_URL, default redis://127.0.0.1:6379)
// 1. drain: BENCH_MESSAGES jobs queued first (addBulk), then one Worker with `concurrency`
//    64 and 256 processes (completes) them all — the figure bench/push.mjs's "drain" compares to;
// 2. latency: jobs added one by one at BENCH_RATE per second, time from add() to the processor.
// Note: Redis here keeps nothing on disk (no AOF, no RDB), while Pandora fsyncs every send.
import { Queue, Worker } from 'bullmq'

const env = process.env
const MESSAGES = Number(env.BENCH_MESSAGES ?? 20_000)
const RATE = Number(env.BENCH_RATE ?? 1000)
const SECONDS = Number(env.BENCH_SECONDS ?? 10)
const url = new URL(env.REDIS_URL ?? 'redis://127.0.0.1:6379')
const connection = { host: url.hostname, port: Number(url.port || 6379) }
const fmt = (n) => Math.round(n).toLocaleString('en-US')
const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]

async function drain(concurrency) {
  const name = `bench-drain-${concurrency}-${Date.now().toString(36)}`
  const queue = new Queue(name, { connection })
  for (let i = 0; i < MESSAGES; i += 1000) {
    await queue.addBulk(
      Array.from({ length: Math.min(1000, MESSAGES - i) }, (_, k) => ({
        name: 'job',
        data: { i: i + k },
        opts: { removeOnComplete: true },
      })),
    )
  }
  let done = 0
  let finish
  const finished = new Promise((r) => {
    finish = r
  })
  const start = performance.now()
  const worker = new Worker(
    name,
    async () => {
      if (++done === MESSAGES) finish()
    },
    { connection, concurrency },
  )
  await finished
  const rate = MESSAGES / ((performance.now() - start) / 1000)
  await worker.close()
  await queue.obliterate({ force: true })
  await queue.close()
  return rate
}

async function latency(seconds) {
  const name = `bench-latency-${Date.now().toString(36)}`
  const queue = new Queue(name, { connection })
  const total = RATE * seconds
  const times = []
  let finish
  const finished = new Promise((r) => {
    finish = r
  })
  const worker = new Worker(
    name,
    async (job) => {
      times.push(performance.now() - job.data.t)
      if (times.length === total) finish()
    },
    { connection, concurrency: 64 },
  )
  await worker.waitUntilReady()
  const start = performance.now()
  for (let i = 0; i < total; i++) {
    const wait = start + (i * 1000) / RATE - performance.now()
    if (wait > 1) await new Promise((r) => setTimeout(r, wait))
    void queue.add('job', { t: performance.now() }, { removeOnComplete: true })
  }
  await finished
  await worker.close()
  await queue.obliterate({ force: true })
  await queue.close()
  times.sort((a, b) => a - b)
  return { p50: pct(times, 50), p99: pct(times, 99) }
}

await latency(3) // warm-up, not counted
const l = await latency(SECONDS)
console.log(`bullmq latency at ${fmt(RATE)} jobs/s: p50 ${l.p50.toFixed(2)} ms  p99 ${l.p99.toFixed(2)} ms`)
for (const concurrency of [64, 256]) {
  console.log(
    `bullmq drain of ${fmt(MESSAGES)} queued jobs, concurrency ${concurrency}: ${fmt(await drain(concurrency))} jobs/s`,
  )
}
