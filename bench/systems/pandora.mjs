// Pandora adapter: a real pandorad child process (SQLite or PostgreSQL store) and the SDK over loopback.
// Tiers: SQLite `--sqlite-sync normal` (relaxed) / `full` (strict); PostgreSQL `synchronous_commit`
// off / on, set on pandorad's connections through the URL's `options`.
// BENCH_PANDORAD_NODE_ARGS (space-separated) is passed to pandorad's node, e.g. `--cpu-prof`.
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PandoraClient } from '@pandora/client'
import pg from 'pg'

const env = process.env
const PG_URL = env.PANDORA_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
const FROM = 'bench@bench'
const box = (queue) => `${queue}@bench`
const decode = (msg) => ({ i: Number(msg.fields.get('i')), t: Number(msg.fields.get('t')) })
const encode = ({ i, t, pad }) => ({ i: String(i), t: String(t), pad })
const withSync = (on) =>
  `${PG_URL}?options=${encodeURIComponent(`-c synchronous_commit=${on ? 'on' : 'off'}`)}`

export function pandora(store) {
  let child
  let dir
  let schema
  let client
  let url
  const clients = new Set()

  async function startPandorad(tier) {
    const args = ['--port', '0', '--no-webui', '--log-level', 'info', '--log-format', 'json']
    if (store === 'sqlite') {
      dir = mkdtempSync(join(tmpdir(), 'pandora-bench-'))
      args.push('--db', join(dir, 'bench.db'), '--sqlite-sync', tier === 'strict' ? 'full' : 'normal')
    } else {
      schema = `bench_pandora_${Date.now().toString(36)}`
      args.push('--store', 'postgres', '--postgres-url', withSync(tier === 'strict'))
      args.push('--postgres-schema', schema)
    }
    const nodeArgs = (env.BENCH_PANDORAD_NODE_ARGS ?? '').split(' ').filter(Boolean)
    child = spawn(process.execPath, [...nodeArgs, 'apps/pandorad/bin/pandorad.js', ...args], {
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    process.once('exit', () => child.kill('SIGKILL')) // never leave a pandorad behind, even on a crash
    let out = ''
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('pandorad did not start in 20 s')), 20_000)
      child.stdout.on('data', (chunk) => {
        out += chunk
        const m = /"url":"(http:[^"]+)"/.exec(out)
        if (m) {
          clearTimeout(timer)
          out = ''
          resolve(m[1])
        } else if (out.length > 100_000) out = ''
      })
      child.once('exit', (code) => reject(new Error(`pandorad exited ${code}`)))
    })
  }

  const connect = (url) => {
    const c = new PandoraClient({ url })
    clients.add(c)
    return c
  }

  return {
    name: `pandora-${store}`,
    modes: ['push', 'exact', 'fetch'],
    settings: (tier) =>
      store === 'sqlite'
        ? `pandorad --store sqlite --sqlite-sync ${tier === 'strict' ? 'full' : 'normal'} (WAL, background checkpoints)`
        : `pandorad --store postgres, synchronous_commit=${tier === 'strict' ? 'on' : 'off'}`,

    // The producer connects once, as packages/client/README.md advises for a busy sender: its
    // sends then ride the open WebSocket (one frame per turn of the event loop) instead of one
    // HTTP request each.
    async setup(tier) {
      url = await startPandorad(tier)
      client = connect(url)
      await client.connect()
      return { url }
    },
    async attach(info) {
      url = info.url
      client = connect(url)
      await client.connect()
    },
    async prepare() {},

    async send(queue, items) {
      if (items.length === 1) {
        const [{ data, delay }] = items
        await client.send(box(queue), encode(data), { from: FROM, delay })
        return
      }
      for (let k = 0; k < items.length; k += 256) {
        await client.sendBatch(
          items.slice(k, k + 256).map(({ data, delay }) => ({
            receiver: box(queue),
            from: FROM,
            fields: encode(data),
            delay,
          })),
        )
      }
    },

    /**
     * `push`: a WebSocket subscription running `concurrency` handlers at once, its prefetch the SDK's
     * default (twice that, at least 8); `exact`: the same with prefetch = concurrency (nothing in hand
     * beyond the running handlers); `fetch`: that many HTTP fetch + ack loops.
     */
    consume(queue, { concurrency, mode = 'push', lease = 30_000 }, handler) {
      const c = connect(url)
      if (mode === 'push' || mode === 'exact') {
        const sub = c.subscribe(box(queue), (msg) => handler(decode(msg)), {
          concurrency,
          ...(mode === 'exact' ? { prefetch: concurrency } : {}),
          leaseTime: lease,
        })
        return {
          ready: sub.ready,
          close: async () => {
            await sub.close({ timeout: 2000 })
            await c.close({ timeout: 2000 })
            clients.delete(c)
          },
        }
      }
      let stopped = false
      const loops = Array.from({ length: concurrency }, async () => {
        while (!stopped) {
          const msg = await c.fetch(box(queue), { leaseTime: lease, wait: 500 })
          if (!msg) continue
          await handler(decode(msg))
          await msg.ack()
        }
      })
      return {
        ready: Promise.resolve(),
        close: async () => {
          stopped = true
          await Promise.all(loops)
          await c.close({ timeout: 2000 })
          clients.delete(c)
        },
      }
    },

    /** Takes `n` messages and never settles them (for the killed consumer): prefetch is at most 256 a subscription. */
    hold(queue, n, lease) {
      let held = 0
      return new Promise((resolve) => {
        for (let left = n; left > 0; left -= 256) {
          connect(url).subscribe(
            box(queue),
            () => {
              if (++held === n) resolve()
              return new Promise(() => {})
            },
            { prefetch: Math.min(256, left), leaseTime: lease },
          )
        }
      })
    },

    /** One fetch + ack over HTTP, timed by the caller. */
    async fetchOne(queue) {
      const msg = await client.fetch(box(queue), { leaseTime: 30_000 })
      if (!msg) throw new Error(`${queue} is empty`)
      await msg.ack()
    },

    /** The server's write counters (group commits, fsyncs, durable writes) from /metrics; null when it has none. */
    async writeStats() {
      const text = await (await fetch(`${url}/metrics`)).text()
      const read = (name) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? Number.NaN)
      const stats = {
        commits: read('pandora_store_commits_total'),
        fsyncs: read('pandora_store_fsyncs_total'),
        durableWrites: read('pandora_store_durable_writes_total'),
      }
      return Number.isNaN(stats.commits) ? null : stats
    },

    // A purge of the 1M-message mailbox runs in chunks for longer than the SDK's default 10 s
    // request timeout (the loop stays free meanwhile): this one call is given the time it needs.
    async drop(queue) {
      const admin = new PandoraClient({ url, requestTimeout: 600_000 })
      try {
        await admin.purge(box(queue))
      } finally {
        await admin.close({ timeout: 1000 })
      }
    },

    async teardown() {
      for (const c of clients) await c.close({ timeout: 1000 }).catch(() => {})
      if (child && child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r))
        child.kill('SIGTERM')
        await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))])
      }
      if (dir) rmSync(dir, { recursive: true, force: true })
      if (schema) {
        const db = new pg.Client({ connectionString: PG_URL })
        await db.connect()
        await db.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)
        await db.end()
      }
    },
  }
}
