// The side-by-side benchmark: every scenario against every system and durability tier, each system
// in its own process (bench/scenarios.mjs), then a table on stdout and bench/results/latest.json.
//   npm run bench                 full run, both tiers
//   npm run bench -- --quick      smoke run: smaller sizes, the relaxed tier only
// Options: --tier relaxed|strict|both, --systems pandora-sqlite,bullmq (default: all four; a subset
// replaces only its own rows in latest.json, and the machine notes which systems were rerun).
// Knobs for scenarios.mjs pass through the environment (BENCH_SCENARIOS, BENCH_PANDORAD_NODE_ARGS).
import { spawn } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { cpus, loadavg, totalmem } from 'node:os'
import { fileURLToPath } from 'node:url'

const args = process.argv.slice(2)
const option = (name, fallback) => {
  const k = args.indexOf(`--${name}`)
  return k >= 0 ? args[k + 1] : fallback
}
const quick = args.includes('--quick')
const tierOption = option('tier', quick ? 'relaxed' : 'both')
const tiers = tierOption === 'both' ? ['relaxed', 'strict'] : [tierOption]
const systems = option('systems', 'pandora-sqlite,bullmq,pandora-postgres,pgboss').split(',')
// Pandora on SQLite is held against BullMQ, Pandora on PostgreSQL against pg-boss.
export const PEERS = { 'pandora-sqlite': 'bullmq', 'pandora-postgres': 'pgboss' }
const CHILD_TIMEOUT = (quick ? 10 : 45) * 60_000

function runOne(system, tier) {
  const script = fileURLToPath(new URL('scenarios.mjs', import.meta.url))
  const child = spawn(process.execPath, [script, system, tier, ...(quick ? ['--quick'] : [])], {
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const rows = []
  let buffer = ''
  child.stdout.on('data', (chunk) => {
    buffer += chunk
    const lines = buffer.split('\n')
    buffer = lines.pop()
    for (const line of lines) {
      if (line.startsWith('ROW ')) rows.push(JSON.parse(line.slice(4)))
      else if (line) process.stderr.write(`${line}\n`)
    }
  })
  const timer = setTimeout(() => child.kill('SIGTERM'), CHILD_TIMEOUT)
  return new Promise((resolve) =>
    child.once('exit', (code) => {
      clearTimeout(timer)
      if (code !== 0) rows.push({ scenario: 'run', system, durability: tier, error: `exited ${code}` })
      resolve(rows)
    }),
  )
}

const num = (n, digits = 0) =>
  n == null ? '' : n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })

/** A markdown table of the rows, with Pandora/peer ratios (ops: higher is better; p99: lower). */
export function table(rows) {
  const find = (r, system) =>
    rows.find((o) => o.scenario === r.scenario && o.durability === r.durability && o.system === system)
  const lines = [
    '| scenario | system | durability | messages | ops/s | p50 ms | p99 ms | vs peer | msgs/commit | msgs/fsync |',
    '| --- | --- | --- | --: | --: | --: | --: | --: | --: | --: |',
  ]
  for (const r of rows) {
    const peer = PEERS[r.system] && find(r, PEERS[r.system])
    let ratio = ''
    if (peer?.ops_per_sec && r.ops_per_sec) ratio = `${(r.ops_per_sec / peer.ops_per_sec).toFixed(2)}×`
    else if (peer?.p99_ms && r.p99_ms) ratio = `p99 ${(r.p99_ms / peer.p99_ms).toFixed(2)}×`
    const cells = r.error
      ? [r.scenario, r.system, r.durability, '', `error: ${r.error}`, '', '', '', '', '']
      : [
          r.scenario,
          r.system,
          r.durability,
          num(r.messages),
          num(r.ops_per_sec),
          num(r.p50_ms, 2),
          num(r.p99_ms, 2),
          ratio,
          num(r.messages_per_commit, 1),
          num(r.messages_per_fsync, 1),
        ]
    lines.push(`| ${cells.join(' | ')} |`)
  }
  return lines.join('\n')
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const started = new Date()
  const load = [loadavg()]
  const dir = fileURLToPath(new URL('results/', import.meta.url))
  const previous =
    option('systems') && existsSync(`${dir}latest.json`)
      ? JSON.parse(readFileSync(`${dir}latest.json`, 'utf8'))
      : null
  const rows =
    previous?.rows.filter(
      (r) => !systems.includes(r.system.split(' ')[0]) || !tiers.includes(r.durability),
    ) ?? []
  for (const tier of tiers) for (const system of systems) rows.push(...(await runOne(system, tier)))
  load.push(loadavg())
  const order = (r) => `${r.durability}|${r.scenario}`
  rows.sort((a, b) => order(a).localeCompare(order(b)))
  const machine = {
    cpus: `${cpus().length} × ${cpus()[0]?.model}`,
    memory: `${Math.round(totalmem() / 2 ** 30)} GB`,
    node: process.version,
    date: started.toISOString(),
    mode: quick ? 'quick' : 'full',
    minutes: Number(((Date.now() - started) / 60_000).toFixed(1)),
    loadavg_start: load[0].map((l) => Number(l.toFixed(2))),
    loadavg_end: load[1].map((l) => Number(l.toFixed(2))),
    ...(previous && { rerun: { systems, date: started.toISOString() }, date: previous.machine.date }),
  }
  mkdirSync(dir, { recursive: true })
  writeFileSync(`${dir}latest.json`, `${JSON.stringify({ machine, rows }, null, 2)}\n`)
  console.log(table(rows))
  console.log(`\n${JSON.stringify(machine)}`)
}
