// Store benchmark: send+fetch+ack cycles per second for every store, and SQLite fetch latency
// with few and with a million pending messages. Imports the BUILT packages:
//   npm run build   (or: TURBO_TELEMETRY_DISABLED=1 npx turbo run build --filter=@pandora/core)
//   node bench/stores.mjs
// Environment: BENCH_SECONDS (per throughput run, default 3), BENCH_PENDING (large fill, default
// 1000000), BENCH_SAMPLES (latency samples, default 2000), PANDORA_TEST_POSTGRES_URL.
import { mkdtempSync, rmSync, statSync } from 'node:fs'
import { availableParallelism, cpus, tmpdir } from 'node:os'
import { join } from 'node:path'
import { MemoryStore, Status } from '@pandora/core'
import { openSqliteStore } from '@pandora/core/sqlite'

const env = process.env
const SECONDS = Number(env.BENCH_SECONDS ?? 3)
const PENDING = Number(env.BENCH_PENDING ?? 1_000_000)
const SAMPLES = Number(env.BENCH_SAMPLES ?? 2000)
const PG_URL = env.PANDORA_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
const LEASE = 30_000
const dir = mkdtempSync(join(tmpdir(), 'pandora-bench-'))
const results = { throughput: [], latency: [] }

const fmt = (n) => Math.round(n).toLocaleString('en-US')

/** `workers` loops of send → fetch → ack (each on its own mailbox) for SECONDS; cycles per second. */
async function cycles(store, workers) {
  const run = `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`
  const deadline = performance.now() + SECONDS * 1000
  let done = 0
  await Promise.all(
    Array.from({ length: workers }, async (_, w) => {
      const box = `bench-${run}-${w}@bench`
      let i = 0
      while (performance.now() < deadline) {
        await store.send({ sender: 'bench@bench', receiver: box, fields: { w: String(w), i: String(++i) } })
        const [m] = await store.fetch(box, { leaseTime: LEASE })
        await store.ack(m.mid, m.lid, Status.confirmed)
        done++
      }
    }),
  )
  return done / SECONDS
}

async function throughput(name, open) {
  for (const workers of [1, 64]) {
    const store = await open()
    try {
      const perSecond = await cycles(store, workers)
      results.throughput.push({ store: name, workers, perSecond })
      console.log(
        `${name.padEnd(22)} ${String(workers).padStart(2)} worker(s)  ${fmt(perSecond).padStart(8)} cycles/s`,
      )
    } finally {
      await store.close()
    }
  }
}

/** Sends `count` messages to `box` in batches of 256, 16 batches in flight (one group commit each tick). */
async function fill(store, box, count) {
  let sent = 0
  const batch = () => {
    const n = Math.min(256, count - sent)
    const start = sent
    sent += n
    return store.sendBatch(
      Array.from({ length: n }, (_, k) => ({
        sender: 'fill@bench',
        receiver: box,
        fields: { i: String(start + k) },
      })),
    )
  }
  while (sent < count) {
    const inFlight = []
    for (let k = 0; k < 16 && sent < count; k++) inFlight.push(batch())
    await Promise.all(inFlight)
  }
}

const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]

/**
 * p50/p99 of one fetch + ack (confirm) on a mailbox holding at least `pending` due messages: the
 * fill adds what the samples will consume, so the mailbox never drops below `pending`.
 */
async function latency(pending) {
  const path = join(dir, `latency-${pending}.db`)
  const box = 'latency@bench'
  const started = performance.now()
  const filler = await openSqliteStore({ path, synchronous: 'normal' })
  await fill(filler, box, pending + 2 * SAMPLES)
  await filler.close()
  const fillSeconds = (performance.now() - started) / 1000
  const mb = statSync(path).size / 1e6
  console.log(
    `filled ${fmt(pending + 2 * SAMPLES)} in ${fillSeconds.toFixed(1)} s (${fmt((pending + 2 * SAMPLES) / fillSeconds)} msg/s, ${mb.toFixed(0)} MB)`,
  )
  for (const synchronous of ['normal', 'full']) {
    const store = await openSqliteStore({ path, synchronous })
    try {
      const times = []
      for (let i = 0; i < SAMPLES; i++) {
        const t = performance.now()
        const [m] = await store.fetch(box, { leaseTime: LEASE })
        await store.ack(m.mid, m.lid, Status.confirmed)
        times.push(performance.now() - t)
      }
      times.sort((a, b) => a - b)
      const row = { pending, synchronous, p50: pct(times, 50), p99: pct(times, 99) }
      results.latency.push(row)
      console.log(
        `sqlite ${synchronous.padEnd(6)} ${fmt(pending).padStart(9)} pending  fetch+ack p50 ${row.p50.toFixed(3)} ms  p99 ${row.p99.toFixed(3)} ms`,
      )
    } finally {
      await store.close()
    }
  }
}

async function postgres() {
  let mod
  try {
    mod = await import('@pandora/core/postgres')
  } catch (error) {
    return `not built (${error.message})`
  }
  const open = mod.openPostgresStore
  if (typeof open !== 'function') return '@pandora/core/postgres does not export openPostgresStore yet'
  const schema = `bench_${Date.now().toString(36)}`
  const pg = (await import('pg')).default
  const dropSchema = async () => {
    const client = new pg.Client({ connectionString: PG_URL })
    await client.connect()
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)
    await client.end()
  }
  try {
    await throughput('postgres', () => open({ connectionString: PG_URL, schema }))
  } catch (error) {
    return `failed: ${error.message}`
  } finally {
    await dropSchema().catch(() => {})
  }
  return null
}

console.log(
  `node ${process.version}, ${availableParallelism()} cores (${cpus()[0]?.model ?? 'unknown CPU'}), ${SECONDS} s per run`,
)
try {
  await throughput('memory', async () => new MemoryStore())
  let n = 0
  for (const synchronous of ['full', 'normal']) {
    await throughput(`sqlite (${synchronous})`, () =>
      openSqliteStore({ path: join(dir, `cycles-${++n}.db`), synchronous }),
    )
  }
  const skipped = await postgres()
  if (skipped) console.log(`postgres skipped: ${skipped}`)
  await latency(1_000)
  await latency(PENDING)
} finally {
  rmSync(dir, { recursive: true, force: true })
}
if (env.BENCH_JSON) console.log(JSON.stringify(results))
