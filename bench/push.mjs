// Push benchmark through the real server and SDK over loopback, on the embedded SQLite store:
//   1. latency from send to the subscriber's handler at a steady rate (default 1,000 messages/s);
//   2. send + push + ack throughput with 64 sends in flight (and with 64-message batches).
// pandorad runs in its own process (as in production); the SDK's sender and subscriber share this one.
//   npm run build && node bench/push.mjs
// A 3 s warm-up at the same rate runs first and is not counted; BENCH_TRACE=1 prints the worst
// latency per 100 ms.
// Environment: BENCH_RATE (default 1000), BENCH_SECONDS (latency run, default 10),
// BENCH_MESSAGES (throughput run, default 20000), BENCH_SYNC (full | normal, default full),
// BENCH_ONLY=drain (only the drain runs).
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { cpus, tmpdir } from 'node:os'
import { join } from 'node:path'
import { PandoraClient } from '@pandora/client'

const env = process.env
const RATE = Number(env.BENCH_RATE ?? 1000)
const SECONDS = Number(env.BENCH_SECONDS ?? 10)
const MESSAGES = Number(env.BENCH_MESSAGES ?? 20_000)
const SYNC = env.BENCH_SYNC ?? 'full'
// BENCH_ONLY=drain skips the latency and send+push+ack runs (the warm-up still runs).
const ONLY_DRAIN = env.BENCH_ONLY === 'drain'
const dir = mkdtempSync(join(tmpdir(), 'pandora-push-'))
const fmt = (n) => Math.round(n).toLocaleString('en-US')
const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]

async function startPandorad() {
  const child = spawn(
    process.execPath,
    [
      'apps/pandorad/bin/pandorad.js',
      '--port',
      '0',
      '--db',
      join(dir, 'push.db'),
      '--sqlite-sync',
      SYNC,
      '--no-webui',
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  )
  let out = ''
  const url = await new Promise((resolve, reject) => {
    child.stdout.on('data', (c) => {
      out += c
      const m = /"url":"(http:[^"]+)"/.exec(out)
      if (m) resolve(m[1])
    })
    child.once('exit', (code) => reject(new Error(`pandorad exited ${code}: ${out}`)))
  })
  return { url, child }
}

/**
 * Subscribes to `box` and resolves `finished` once the handler (auto-ack) has run `count` times;
 * `each` sees every message first.
 */
function consume(client, box, count, prefetch, each = () => {}) {
  let seen = 0
  let done
  const finished = new Promise((r) => {
    done = r
  })
  const sub = client.subscribe(
    box,
    async (msg) => {
      each(msg)
      if (++seen === count) done()
    },
    { prefetch, leaseTime: 30_000 },
  )
  return { sub, finished }
}

async function latency(url, seconds = SECONDS) {
  const box = `latency-${Date.now().toString(36)}@bench`
  const client = new PandoraClient({ url })
  const times = []
  const trace = []
  const total = RATE * seconds
  const { sub, finished } = consume(client, box, total, 64, (msg) => {
    const took = performance.now() - Number(msg.fields.get('t'))
    times.push(took)
    if (env.BENCH_TRACE) trace.push([Number(msg.fields.get('i')), took])
  })
  await sub.ready
  const start = performance.now()
  const sends = []
  for (let i = 0; i < total; i++) {
    // Steady rate: message i leaves at start + i/RATE seconds, whatever the previous ones did.
    const due = start + (i * 1000) / RATE
    const wait = due - performance.now()
    if (wait > 1) await new Promise((r) => setTimeout(r, wait))
    sends.push(client.send(box, { t: String(performance.now()), i: String(i) }, { from: 'bench@bench' }))
  }
  await Promise.all(sends)
  await finished
  await sub.close()
  await client.close()
  if (env.BENCH_TRACE) {
    for (let s = 0; s < seconds * 10; s++) {
      const slice = trace.filter(([i]) => Math.floor(i / (RATE / 10)) === s).map(([, t]) => t)
      console.log(`t=${(s / 10).toFixed(1)}s max ${Math.max(...slice).toFixed(1)} ms`)
    }
  }
  times.sort((a, b) => a - b)
  return { p50: pct(times, 50), p99: pct(times, 99), max: times.at(-1), count: times.length }
}

async function throughput(url, batch) {
  const box = `drain-${batch}-${Date.now().toString(36)}@bench`
  const client = new PandoraClient({ url })
  const { sub, finished } = consume(client, box, MESSAGES, 64)
  await sub.ready
  const start = performance.now()
  let next = 0
  // 64 requests in flight, each one message (batch = 1) or `batch` messages.
  await Promise.all(
    Array.from({ length: 64 }, async () => {
      while (next < MESSAGES) {
        const first = next
        next += batch
        const n = Math.min(batch, MESSAGES - first)
        if (n <= 0) return
        if (batch === 1) await client.send(box, { i: String(first) }, { from: 'bench@bench' })
        else
          await client.sendBatch(
            Array.from({ length: n }, (_, k) => ({
              receiver: box,
              from: 'bench@bench',
              fields: { i: String(first + k) },
            })),
          )
      }
    }),
  )
  await finished
  const seconds = (performance.now() - start) / 1000
  await sub.close()
  await client.close()
  return MESSAGES / seconds
}

/** Drain: MESSAGES already queued (sent in batches first), then one subscriber pushes and acks them all. */
async function drain(url, prefetch) {
  const box = `queued-${Date.now().toString(36)}@bench`
  const client = new PandoraClient({ url })
  for (let sent = 0; sent < MESSAGES; sent += 256) {
    const n = Math.min(256, MESSAGES - sent)
    await client.sendBatch(
      Array.from({ length: n }, (_, k) => ({
        receiver: box,
        from: 'bench@bench',
        fields: { i: String(sent + k) },
      })),
    )
  }
  const start = performance.now()
  const { sub, finished } = consume(client, box, MESSAGES, prefetch)
  await finished
  const seconds = (performance.now() - start) / 1000
  await sub.close()
  await client.close()
  return MESSAGES / seconds
}

const server = await startPandorad()
try {
  console.log(
    `pandorad on ${server.url}, SQLite synchronous=${SYNC}, ${cpus().length} cores, Node ${process.version}`,
  )
  // Warm-up at the same rate (JIT, connections, SQLite page cache), not counted.
  await latency(server.url, 3)
  if (!ONLY_DRAIN) {
    const l = await latency(server.url)
    console.log(
      `push latency at ${fmt(RATE)} msg/s for ${SECONDS} s (${fmt(l.count)} messages): p50 ${l.p50.toFixed(2)} ms  p99 ${l.p99.toFixed(2)} ms  max ${l.max.toFixed(1)} ms`,
    )
  }
  for (const batch of ONLY_DRAIN ? [] : [1, 64]) {
    const rate = await throughput(server.url, batch)
    console.log(
      `send+push+ack, 64 requests in flight of ${batch} message(s): ${fmt(rate)} msg/s (${fmt(MESSAGES)} messages)`,
    )
  }
  for (const prefetch of [64, 256]) {
    const drained = await drain(server.url, prefetch)
    console.log(
      `drain of ${fmt(MESSAGES)} queued messages, push + ack, prefetch ${prefetch}: ${fmt(drained)} msg/s`,
    )
  }
} finally {
  server.child.kill('SIGTERM')
  rmSync(dir, { recursive: true, force: true })
}
