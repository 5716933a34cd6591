// Does an admin or metrics call stall the server at scale? A child process fills a SQLite store
// with N messages across M mailboxes and exits; THIS process then opens the file and serves it with
// createServer (as a server restarted on a full store would: the fill's garbage is not in its heap);
// an HTTP client in another child process calls each admin route, and this process records the
// longest event-loop delay
// (perf_hooks.monitorEventLoopDelay, 1 ms resolution) while each call runs: the time every other
// request and socket would have waited.
//   node bench/admin-stall.mjs [--quick] [--keep FILE]
// full: 1M messages in 10k mailboxes; quick: 100k in 1k. --keep FILE fills FILE only if it does not
// exist yet and keeps it, so builds can be compared on the same store (A/B) without a fill each.
// Prints a markdown table; BENCH_JSON=1 prints the rows as JSON too. Needs `npm run build` first.
import { fork } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { openSqliteStore } from '@pandora/core/sqlite'
import { createServer } from '@pandora/server'

if (process.argv[2] === '--fill') {
  await fill(process.argv[3], Number(process.argv[4]), Number(process.argv[5]))
} else if (process.argv[2] === '--prober') {
  // The child: performs one request per message from the parent, reads the whole body, answers.
  process.on('message', async ({ url, method }) => {
    const start = performance.now()
    const res = await fetch(url, { method })
    const body = await res.arrayBuffer()
    process.send({ status: res.status, bytes: body.byteLength, ms: performance.now() - start })
  })
} else {
  await main()
}

async function main() {
  const quick = process.argv.includes('--quick')
  const total = quick ? 100_000 : 1_000_000
  const boxes = quick ? 1_000 : 10_000
  const keep = process.argv.includes('--keep') ? process.argv[process.argv.indexOf('--keep') + 1] : undefined
  const dir = keep ? undefined : mkdtempSync(join(tmpdir(), 'pandora-stall-'))
  const path = keep ?? join(dir, 'stall.db')
  const fillStart = performance.now()
  if (!keep || !existsSync(keep))
    await new Promise((resolve, reject) =>
      fork(new URL(import.meta.url).pathname, ['--fill', path, String(total), String(boxes)], {
        stdio: 'inherit',
      }).on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`fill exited ${code}`)))),
    )
  const fillSeconds = (performance.now() - fillStart) / 1000
  const store = await openSqliteStore({ path, synchronous: 'normal' })
  const box = (i) => `box-${i % boxes}@stall`
  const server = await createServer({ store, port: 0, logger: false })
  const prober = fork(new URL(import.meta.url).pathname, ['--prober'], { stdio: 'inherit' })
  const call = (method, route) =>
    new Promise((resolve) => {
      prober.once('message', resolve)
      prober.send({ url: `${server.url}${route}`, method })
    })
  const big = encodeURIComponent(box(0))
  const routes = [
    ['GET', '/healthz'],
    ['GET', '/metrics'],
    ['GET', '/v1/mailboxes'],
    ['GET', `/v1/mailboxes/${big}`],
    ['GET', `/v1/mailboxes/${big}/headers?limit=1000`],
    ['GET', `/v1/mailboxes/${big}/headers?limit=1000&order=desc`],
    ['GET', `/v1/mailboxes/${big}/dead`],
    ['GET', `/admin/headers?receiver=${big}`],
    ['POST', `/v1/mailboxes/${big}/fetch`],
  ]
  const histogram = monitorEventLoopDelay({ resolution: 1 })
  const rows = []
  for (const [method, route] of routes) {
    await call(method, route) // warm-up: JIT, prepared statements, worker start
    const stalls = []
    const times = []
    let bytes = 0
    let status = 0
    for (let i = 0; i < 5; i++) {
      histogram.reset()
      histogram.enable()
      const r = await call(method, route)
      histogram.disable()
      stalls.push(histogram.max / 1e6)
      times.push(r.ms)
      bytes = r.bytes
      status = r.status
    }
    times.sort((a, b) => a - b)
    rows.push({
      route: `${method} ${route.replace(big, '{box}')}`,
      status,
      bytes,
      call_ms_p50: times[2],
      loop_stall_max_ms: Math.max(...stalls),
    })
  }
  prober.kill()
  await server.close()
  const dbBytes = statSync(path).size
  if (dir) rmSync(dir, { recursive: true, force: true })

  console.log(
    `\n${total.toLocaleString('en-US')} messages in ${boxes.toLocaleString('en-US')} mailboxes ` +
      `(filled in ${fillSeconds.toFixed(1)} s, ${Math.round(total / fillSeconds).toLocaleString('en-US')}/s; ` +
      `file ${(dbBytes / 1e6).toFixed(0)} MB)\n`,
  )
  console.log('| call | status | reply bytes | call p50 ms | longest loop stall ms |')
  console.log('| --- | --: | --: | --: | --: |')
  for (const r of rows)
    console.log(
      `| \`${r.route}\` | ${r.status} | ${r.bytes.toLocaleString('en-US')} | ${r.call_ms_p50.toFixed(1)} | ${r.loop_stall_max_ms.toFixed(1)} |`,
    )
  const env = process.env
  if (env.BENCH_JSON) console.log(JSON.stringify(rows))
}

/** The child that fills the store: batches of 256 from 8 callers, then a few of every state. */
async function fill(path, total, boxes) {
  const store = await openSqliteStore({ path, synchronous: 'normal' })
  const box = (i) => `box-${i % boxes}@stall`
  const pad = 'x'.repeat(200)
  let next = 0
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < total) {
        const first = next
        next = Math.min(total, next + 256)
        await store.sendBatch(
          Array.from({ length: next - first }, (_, k) => ({
            sender: 'bench@stall',
            receiver: box(first + k),
            fields: { i: String(first + k), pad },
          })),
        )
      }
    }),
  )
  // Some of every state: lease and confirm a few in the first mailboxes.
  for (let b = 0; b < Math.min(boxes, 50); b++) {
    const leased = await store.fetch(box(b), { leaseTime: 600_000, max: 10 })
    await store.ackMany(leased.slice(0, 5).map((m) => ({ mid: m.mid, lid: m.lid, status: 1 })))
  }
  await store.close()
}
