// The SQLite store alone, writing as fast as it can (batches of 64, four in flight), with background
// checkpoints and then inline ones: the rate, how long each write call took (a call that waited for
// a held commit shows here), and the largest the write-ahead log file grew.
//   node bench/log-bound.mjs [messages]      (default 200,000; needs `npm run build` first)
import { mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openSqliteStore } from '@pandora/core/sqlite'

const total = Number(process.argv[2] ?? 200_000)
const pad = 'x'.repeat(200)

async function run(backgroundCheckpoints) {
  const dir = mkdtempSync(join(tmpdir(), 'pandora-log-bound-'))
  const path = join(dir, 'bound.db')
  const store = await openSqliteStore({ path, synchronous: 'normal', backgroundCheckpoints })
  let next = 0
  let largestLog = 0
  const calls = []
  const start = performance.now()
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      while (next < total) {
        const batch = Array.from({ length: 64 }, () => ({
          sender: 'bench@store',
          receiver: 'bound@store',
          fields: { i: String(next++), pad },
        }))
        const t = performance.now()
        await store.sendMany(batch)
        calls.push(performance.now() - t)
        largestLog = Math.max(largestLog, statSync(`${path}-wal`, { throwIfNoEntry: false })?.size ?? 0)
      }
    }),
  )
  const seconds = (performance.now() - start) / 1000
  await store.close()
  rmSync(dir, { recursive: true, force: true })
  calls.sort((a, b) => a - b)
  const at = (q) => calls[Math.floor(q * (calls.length - 1))].toFixed(1)
  console.log(
    `${backgroundCheckpoints ? 'background' : 'inline    '}: ${Math.round(next / seconds)} msg/s; ` +
      `call p50 ${at(0.5)} / p99 ${at(0.99)} / max ${at(1)} ms, ${calls.filter((c) => c > 10).length} of ` +
      `${calls.length} over 10 ms; log file at most ${(largestLog / 2 ** 20).toFixed(0)} MiB`,
  )
}

await run(true)
await run(false)
