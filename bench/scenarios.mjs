// Runs every scenario against ONE system at ONE durability tier, in this process, and prints each
// result as a line `ROW {json}` on stdout (bench/run.mjs starts one of these per system and tier).
//   node bench/scenarios.mjs <pandora-sqlite|pandora-postgres|bullmq|pgboss> <relaxed|strict> [--quick]
// BENCH_SCENARIOS=drain,latency keeps only the scenarios whose names start with one of those words;
// BENCH_DRAIN=1,64 and BENCH_MODES=push keep only those drain concurrencies and consumer modes.
// A scenario reports a figure only once every message it sent was delivered and completed; each
// one has a deadline, and one that misses it reports an error row instead.
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { systems } from './systems/index.mjs'

const [systemName, tier = 'relaxed', ...flags] = process.argv.slice(2)
const quick = flags.includes('--quick')
const size = quick
  ? { single: 1000, inflight: 5000, batched: 10_000, backlog: 20_000, seconds: 10, warmup: 2, delayed: 300 }
  : {
      single: 5000,
      inflight: 20_000,
      batched: 50_000,
      backlog: 100_000,
      seconds: 60,
      warmup: 3,
      delayed: 2000,
    }
// cap: seconds an enqueue run may start calls; fill: the same for a drain's backlog.
Object.assign(size, quick ? { cap: 3, fill: 4 } : { cap: 20, fill: 60 })
size.pending = quick ? [1000, 100_000] : [1000, 1_000_000]
const RATE = 1000
const KILLED = 500
const PAD = 'x'.repeat(200) // ~256 bytes a message with the other fields
const env = process.env
const only = env.BENCH_SCENARIOS?.split(',')
const sys = systems[systemName]()
const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]
const now = () => performance.timeOrigin + performance.now() // wall clock, sub-millisecond
const sleep = (ms) => new Promise((r) => setTimeout(r, ms))
const label = (n) => (n >= 1_000_000 ? `${n / 1_000_000}M` : n >= 1000 ? `${n / 1000}k` : String(n))
let seq = 0
const queueName = (what) => `bench-${what}-${Date.now().toString(36)}-${seq++}`
const item = (i, delay) => ({ data: { i, t: now(), pad: PAD }, delay })

function row(scenario, fields, system = sys.name) {
  const r = { scenario, system, durability: tier, messages: 0, ops_per_sec: null, p50_ms: null, p99_ms: null }
  console.log(`ROW ${JSON.stringify({ ...r, ...fields })}`)
}

/** Resolves when `n` distinct message indexes were seen; rejects after `ms`. */
function collect(n, ms) {
  const seen = new Map()
  let finish
  let fail
  const done = new Promise((resolve, reject) => {
    finish = resolve
    fail = reject
  })
  done.catch(() => {}) // awaited by the scenario; a scenario that fails earlier must not crash the run
  const timer = setTimeout(() => fail(new Error(`${seen.size}/${n} delivered after ${ms} ms`)), ms)
  return {
    seen,
    done,
    hit(i, value = now()) {
      if (seen.has(i)) return
      seen.set(i, value)
      if (seen.size === n) {
        clearTimeout(timer)
        finish(seen)
      }
    },
  }
}

/**
 * Sends up to `count` messages, `batch` a call, `inFlight` calls at a time, starting no call after
 * `maxSeconds`; returns how many were sent (and acknowledged) and the seconds it took.
 */
async function enqueue(queue, count, inFlight, batch, { delay, maxSeconds = 600, offset = 0 } = {}) {
  let next = 0
  const start = performance.now()
  const end = start + maxSeconds * 1000
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < count && performance.now() < end) {
        const first = next
        next = Math.min(count, next + batch)
        await sys.send(
          queue,
          Array.from({ length: next - first }, (_, k) =>
            item(offset + first + k, delay?.(offset + first + k)),
          ),
        )
      }
    }),
  )
  return { sent: next, seconds: (performance.now() - start) / 1000 }
}

/** Where the system counts its commits and fsyncs (Pandora on SQLite): how many messages shared each. */
function perCommit(messages, before, after) {
  if (!before || !after) return {}
  return {
    messages_per_commit: messages / Math.max(1, after.commits - before.commits),
    messages_per_fsync: after.fsyncs > before.fsyncs ? messages / (after.fsyncs - before.fsyncs) : null,
  }
}

async function scenarioEnqueue() {
  for (const [name, count, inFlight, batch] of [
    ['enqueue 1 in flight', size.single, 1, 1],
    ['enqueue 64 in flight', size.inflight, 64, 1],
    ['enqueue batches of 100', size.batched, 1, 100],
  ]) {
    const queue = queueName('enqueue')
    await sys.prepare(queue)
    const before = await sys.writeStats?.()
    const { sent, seconds } = await enqueue(queue, count, inFlight, batch, { maxSeconds: size.cap })
    const after = await sys.writeStats?.()
    // Where the system counts its commits and fsyncs (Pandora on SQLite): how many sends shared each.
    row(name, { messages: sent, ops_per_sec: sent / seconds, ...perCommit(sent, before, after) })
    await sys.drop(queue)
  }
}

async function scenarioDrain() {
  const modes = env.BENCH_MODES?.split(',') ?? sys.modes
  const levels = env.BENCH_DRAIN?.split(',').map(Number) ?? [1, 16, 64]
  for (const mode of sys.modes.filter((m) => modes.includes(m))) {
    for (const concurrency of levels) {
      // One at a time, or through HTTP, is slow: a tenth of the backlog keeps the run short.
      const wanted = concurrency === 1 || mode === 'fetch' ? size.backlog / 10 : size.backlog
      const queue = queueName('drain')
      await sys.prepare(queue)
      const { sent: count } = await enqueue(queue, wanted, 4, 100, { maxSeconds: size.fill })
      const got = collect(count, 600_000)
      const before = await sys.writeStats?.()
      const start = performance.now()
      const consumer = sys.consume(queue, { concurrency, mode }, async ({ i }) => got.hit(i))
      await got.done
      const seconds = (performance.now() - start) / 1000
      const after = await sys.writeStats?.()
      await consumer.close()
      row(`drain c${concurrency}${{ fetch: ' http', exact: ` prefetch ${concurrency}` }[mode] ?? ''}`, {
        messages: count,
        ops_per_sec: count / seconds,
        ...perCommit(count, before, after),
      })
      await sys.drop(queue)
    }
  }
}

/** Messages sent one by one at a steady `rate`; p50/p99 of send call → handler. */
async function steady(seconds, poll, rate = RATE) {
  const total = rate * seconds
  const queue = queueName('latency')
  await sys.prepare(queue)
  const got = collect(total, (seconds + 60) * 1000)
  const consumer = sys.consume(queue, { concurrency: 64, poll }, async ({ i, t }) => got.hit(i, now() - t))
  await consumer.ready
  const start = performance.now()
  const sends = []
  for (let i = 0; i < total; i++) {
    const wait = start + (i * 1000) / rate - performance.now()
    if (wait > 1) await sleep(wait)
    sends.push(sys.send(queue, [item(i)]))
  }
  await Promise.all(sends)
  const times = [...(await got.done).values()].sort((a, b) => a - b)
  await consumer.close()
  await sys.drop(queue)
  return { messages: total, p50_ms: pct(times, 50), p99_ms: pct(times, 99) }
}

const polls = () => (sys.name === 'pgboss' ? ['default', 'fastest'] : ['default'])
const variant = (poll) => (poll === 'fastest' ? `${sys.name} poll 0.5s` : sys.name)

// The PostgreSQL systems are also measured at 500/s, the rate issue #11's PostgreSQL target names.
const rates = () => (sys.name === 'pgboss' || sys.name.endsWith('postgres') ? [RATE, RATE / 2] : [RATE])

async function scenarioLatency() {
  for (const poll of polls()) {
    for (const rate of rates()) {
      await steady(size.warmup, poll, rate) // JIT, connections, caches: not counted
      row(`latency ${rate}/s`, await steady(size.seconds, poll, rate), variant(poll))
    }
  }
}

/** Messages due 1–3 s after sending; lateness = handler time − due time. */
async function scenarioDelayed() {
  for (const poll of polls()) {
    const queue = queueName('delayed')
    await sys.prepare(queue)
    const count = size.delayed
    const delayOf = (i) => 1000 + Math.floor((i * 2000) / count)
    const got = collect(count, 60_000)
    const due = new Map()
    const consumer = sys.consume(queue, { concurrency: 64, poll }, async ({ i }) => got.hit(i))
    await consumer.ready
    for (let i = 0; i < count; i += 100) {
      for (let k = i; k < Math.min(count, i + 100); k++) due.set(k, now() + delayOf(k))
      await enqueue(queue, Math.min(100, count - i), 1, 100, { delay: delayOf, offset: i })
    }
    const late = [...(await got.done)].map(([i, at]) => at - due.get(i)).sort((a, b) => a - b)
    await consumer.close()
    await sys.drop(queue)
    row('delayed 1-3 s', { messages: count, p50_ms: pct(late, 50), p99_ms: pct(late, 99) }, variant(poll))
  }
}

/**
 * A consumer process takes KILLED messages (lease 2 s) and is killed with SIGKILL; a new consumer
 * here must get every one of them again. p50/p99: time from the kill to each message's redelivery.
 */
async function scenarioKill(info) {
  const lease = 2000
  const queue = queueName('kill')
  await sys.prepare(queue, { lease })
  await enqueue(queue, KILLED, 4, 100)
  const victim = spawn(
    process.execPath,
    [
      fileURLToPath(new URL('victim.mjs', import.meta.url)),
      sys.name,
      JSON.stringify(info),
      queue,
      String(KILLED),
      String(lease),
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  )
  await new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error('the consumer to kill did not take its messages in 30 s')),
      30_000,
    )
    victim.stdout.on('data', (c) => {
      if (String(c).includes('held')) {
        clearTimeout(timer)
        resolve()
      }
    })
  })
  const exited = new Promise((r) => victim.once('exit', r))
  victim.kill('SIGKILL')
  const killedAt = now()
  await exited
  const got = collect(KILLED, 120_000)
  const consumer = sys.consume(queue, { concurrency: 64, lease, poll: 'fastest' }, async ({ i }) =>
    got.hit(i),
  )
  const times = [...(await got.done).values()].map((at) => at - killedAt).sort((a, b) => a - b)
  await consumer.close()
  await sys.drop(queue)
  row(`kill ${KILLED} in flight`, { messages: KILLED, p50_ms: pct(times, 50), p99_ms: pct(times, 99) })
}

/** fetch + ack over HTTP, one at a time, on a mailbox of 1k and of 100k/1M due messages. */
async function scenarioFetch() {
  if (!sys.fetchOne) return
  const samples = quick ? 300 : 2000
  for (const pending of size.pending) {
    const queue = queueName('pending')
    const { seconds } = await enqueue(queue, pending + samples, 8, 256)
    console.error(`${sys.name}: filled ${label(pending + samples)} in ${seconds.toFixed(1)} s`)
    const times = []
    for (let s = 0; s < samples; s++) {
      const start = performance.now()
      await sys.fetchOne(queue)
      times.push(performance.now() - start)
    }
    times.sort((a, b) => a - b)
    row(`fetch ${label(pending)} pending`, {
      messages: samples,
      p50_ms: pct(times, 50),
      p99_ms: pct(times, 99),
    })
    await sys.drop(queue)
  }
}

const scenarios = {
  enqueue: scenarioEnqueue,
  drain: scenarioDrain,
  latency: scenarioLatency,
  delayed: scenarioDelayed,
  kill: scenarioKill,
  fetch: scenarioFetch,
}

const info = await sys.setup(tier)
console.error(`${sys.name} (${tier}): ${sys.settings(tier)}`)
try {
  for (const [name, run] of Object.entries(scenarios)) {
    if (only && !only.some((o) => name.startsWith(o))) continue
    const started = performance.now()
    try {
      await run(info)
    } catch (err) {
      row(name, { error: err.message })
    }
    console.error(
      `${sys.name} (${tier}): ${name} took ${((performance.now() - started) / 1000).toFixed(1)} s`,
    )
  }
} finally {
  await sys.teardown()
}
process.exit(0)
