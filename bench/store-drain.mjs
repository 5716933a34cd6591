// The SQLite store alone, in this process, no server and no network: fill a mailbox, then drain it
// the way a busy subscription does (fetch 64, ackMany 64, again). Its rate is the ceiling for a
// drain through pandorad with this storage design.
//   node bench/store-drain.mjs [messages]      (default 40,000; needs `npm run build` first)
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openSqliteStore } from '@pandora/core/sqlite'

const total = Number(process.argv[2] ?? 40_000)
const dir = mkdtempSync(join(tmpdir(), 'pandora-store-drain-'))
const store = await openSqliteStore({ path: join(dir, 'drain.db'), synchronous: 'normal' })
const pad = 'x'.repeat(200)
for (let k = 0; k < total; k += 256) {
  await store.sendBatch(
    Array.from({ length: Math.min(256, total - k) }, (_, j) => ({
      sender: 'bench@store',
      receiver: 'drain@store',
      fields: { i: String(k + j), t: String(Date.now()), pad },
    })),
  )
}
const cpu = process.cpuUsage()
const start = performance.now()
let drained = 0
for (;;) {
  const leased = await store.fetch('drain@store', { leaseTime: 30_000, max: 64 })
  if (leased.length === 0) break
  drained += leased.length
  await store.ackMany(leased.map((m) => ({ mid: m.mid, lid: m.lid, status: 1 })))
}
const ms = performance.now() - start
const used = process.cpuUsage(cpu)
console.log(
  `${drained} messages: ${Math.round((drained / ms) * 1000)} msg/s, ` +
    `${((ms * 1000) / drained).toFixed(1)} µs wall and ${((used.user + used.system) / drained).toFixed(1)} µs CPU per message (all threads)`,
)
await store.close()
rmSync(dir, { recursive: true, force: true })
