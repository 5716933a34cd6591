// Crash safety: producers send messages with client-unique ids while pandorad is SIGKILLed at
// random 1–5 s intervals and restarted; consumers fetch and ack throughout. A send counts as
// acknowledged when the server answered it (201, or 200 for a duplicate); none of those may be
// lost. While pandorad is down the data is audited (SQLite: PRAGMA integrity_check, read-only;
// both: blob refcounts). With `powerLoss`, unsynced writes are dropped at each kill (see
// lib/power-loss.mjs).
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { auditPostgres, auditSqlite, dropSchema } from './lib/audit.mjs'
import { freePort, percentile, sleep, startPandorad } from './lib/pandorad.mjs'
import { dropUnsynced, snapshotSizes } from './lib/power-loss.mjs'

const PRODUCERS = 8
const CONSUMERS = 4
const LEASE_MS = 3000

/**
 * @param {{ store: 'sqlite' | 'postgres', kills: number, sync?: 'full' | 'normal', powerLoss?: boolean,
 *   postgresUrl?: string, log?: (line: string) => void }} options
 */
export async function crashRun(options) {
  const { store, kills, sync = 'full', powerLoss = false, log = () => {} } = options
  const postgresUrl = options.postgresUrl ?? 'postgres://postgres@127.0.0.1:5432/test'
  const dir = mkdtempSync(join(tmpdir(), 'pandora-crash-'))
  const dbPath = join(dir, 'pandora.db')
  const schema = `pandora_crash_${randomBytes(5).toString('hex')}`
  const trace = join(dir, 'strace.txt')
  const args =
    store === 'sqlite'
      ? ['--store', 'sqlite', '--db', dbPath, '--sqlite-sync', sync]
      : ['--store', 'postgres', '--postgres-url', postgresUrl, '--postgres-schema', schema]
  const port = await freePort()
  const box = `crash-${randomBytes(4).toString('hex')}@reliability`
  const url = `http://127.0.0.1:${port}`

  let sizes = powerLoss ? snapshotSizes(dbPath) : undefined
  const start = () => startPandorad({ port, args, ...(powerLoss ? { straceFile: trace } : {}) })
  let server = await start()
  const restartMs = []
  const audits = []
  const drops = []

  let attempted = 0
  let refused = 0
  const acknowledged = new Set()
  const received = new Map()
  let stopProducers = false
  let stopConsumers = false
  const post = (path, body, timeout = 5000) =>
    fetch(`${url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(timeout),
    })

  const producer = async (p) => {
    for (let n = 0; !stopProducers; n++) {
      const id = `${p}-${n}`
      attempted++
      try {
        const res = await post('/v1/messages', {
          sender: 'producer@reliability',
          receiver: box,
          fields: { id },
        })
        await res.text()
        if (res.status === 201 || res.status === 200) acknowledged.add(id)
        else refused++
      } catch {
        await sleep(20) // the server is down: try the next id shortly
      }
    }
  }
  const consumer = async () => {
    while (!stopConsumers) {
      try {
        const res = await post(`/v1/mailboxes/${encodeURIComponent(box)}/fetch`, {
          leaseTime: LEASE_MS,
          max: 32,
          wait: 500,
        })
        if (res.status !== 200) {
          await res.text()
          await sleep(50)
          continue
        }
        const { messages } = await res.json()
        for (const m of messages) {
          const raw = m.fields.id
          const id = Array.isArray(raw) ? raw[0] : raw
          received.set(id, (received.get(id) ?? 0) + 1)
        }
        await Promise.all(
          messages.map((m) => post(`/v1/messages/${m.mid}/ack`, { lid: m.lid }).then((r) => r.text())),
        )
      } catch {
        await sleep(50)
      }
    }
  }

  const producing = Array.from({ length: PRODUCERS }, (_, p) => producer(p))
  const consuming = Array.from({ length: CONSUMERS }, () => consumer())
  const audit = async () =>
    store === 'sqlite' ? auditSqlite(dbPath) : await auditPostgres(postgresUrl, schema)

  try {
    for (let k = 1; k <= kills; k++) {
      await sleep(1000 + Math.random() * 4000)
      server.kill('SIGKILL')
      await server.exited
      if (powerLoss) drops.push(dropUnsynced(trace, dbPath, sizes))
      const a = await audit()
      audits.push(a)
      if (a.integrity !== 'ok' || a.refcountMismatches !== 0 || a.missingBlobs !== 0) {
        log(`  kill ${k}: AUDIT FAILED ${JSON.stringify(a)}`)
      }
      sizes = powerLoss ? snapshotSizes(dbPath) : undefined
      server = await start()
      restartMs.push(server.startMs)
      if (k % 10 === 0 || k === kills) {
        log(
          `  ${store}${powerLoss ? ` power-loss ${sync}` : ''}: ${k}/${kills} kills, ${acknowledged.size} acknowledged, ${received.size} received`,
        )
      }
    }
    stopProducers = true
    await Promise.all(producing)
    // Drain: every acknowledged id should come back (leases of the last kill expire after LEASE_MS).
    const deadline = Date.now() + 30_000 + LEASE_MS
    while (Date.now() < deadline && [...acknowledged].some((id) => !received.has(id))) await sleep(200)
    stopConsumers = true
    await Promise.all(consuming)
    const stats = await fetch(`${url}/v1/mailboxes/${encodeURIComponent(box)}`).then((r) => r.json())
    server.kill('SIGTERM')
    await server.exited
    audits.push(await audit())
    const lost = [...acknowledged].filter((id) => !received.has(id))
    const counts = [...received.values()]
    const duplicated = counts.filter((c) => c > 1)
    const failedAudits = audits.filter(
      (a) => a.integrity !== 'ok' || a.refcountMismatches !== 0 || a.missingBlobs !== 0,
    )
    return {
      store,
      sync: store === 'sqlite' ? sync : undefined,
      powerLoss,
      kills,
      attempted,
      acknowledged: acknowledged.size,
      refusedSends: refused,
      received: received.size,
      receivedUnacknowledged: [...received.keys()].filter((id) => !acknowledged.has(id)).length,
      lost: lost.length,
      lostSample: lost.slice(0, 5),
      duplicates: {
        ids: duplicated.length,
        extraDeliveries: duplicated.reduce((s, c) => s + c - 1, 0),
        percent: received.size ? Number(((100 * duplicated.length) / received.size).toFixed(2)) : 0,
        maxPerId: counts.length ? Math.max(...counts) : 0,
      },
      restartMs: { p50: round(percentile(restartMs, 50)), p99: round(percentile(restartMs, 99)) },
      audits: audits.length,
      failedAudits: failedAudits.length,
      failedAuditSample: failedAudits.slice(0, 3),
      leftAtEnd: { pending: stats.pending, leased: stats.leased, delayed: stats.delayed, dead: stats.dead },
      ...(powerLoss
        ? {
            droppedWalBytes: drops.reduce((s, d) => s + (d.wal?.cut ?? 0) + (d.wal?.zeroed ?? 0), 0),
            killsThatDroppedWrites: drops.filter(
              (d) => (d.wal?.cut ?? 0) + (d.wal?.zeroed ?? 0) + (d.db?.cut ?? 0) + (d.db?.zeroed ?? 0) > 0,
            ).length,
          }
        : {}),
    }
  } finally {
    stopProducers = true
    stopConsumers = true
    server.kill('SIGKILL')
    await server.exited
    rmSync(dir, { recursive: true, force: true })
    if (store === 'postgres') await dropSchema(postgresUrl, schema).catch(() => {})
  }
}

const round = (x) => (x === null ? null : Math.round(x))
