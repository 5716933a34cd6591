// The long reliability runs: `npm run reliability` (full) or `npm run reliability -- --quick`.
// Runs against the built packages and a real pandorad; writes reliability/results/latest.json
// (and quick.json or full.json) and prints a table. Exit code 1 when a promise is broken.
import { spawn } from 'node:child_process'
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { cpus, freemem, tmpdir, totalmem } from 'node:os'
import { join } from 'node:path'
import { crashRun } from './crash.mjs'
import { freePort, ROOT, startPandorad } from './lib/pandorad.mjs'
import { soakRun } from './soak.mjs'

const quick = process.argv.includes('--quick')
const only = process.argv
  .find((a) => a.startsWith('--only='))
  ?.slice(7)
  .split(',')
const postgresUrl = process.env.PANDORA_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
const plan = quick
  ? {
      kills: 6,
      powerLossKills: 5,
      normalKills: 4,
      modelRuns: 1000,
      http: 1000,
      frames: 10_000,
      soakSeconds: 30,
      subscribers: 100,
      rate: 200,
      nonReaders: 5,
      slowClients: 10,
    }
  : {
      kills: 100,
      powerLossKills: 30,
      normalKills: 10,
      modelRuns: 10_000,
      http: 10_000,
      frames: 100_000,
      soakSeconds: 180,
      subscribers: 200,
      rate: 300,
      nonReaders: 20,
      slowClients: 50,
    }
const log = (line) => console.log(line)
const started = Date.now()
const results = {
  mode: quick ? 'quick' : 'full',
  date: new Date().toISOString(),
  machine: {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model,
    memTotalMb: Math.round(totalmem() / 2 ** 20),
    memFreeMb: Math.round(freemem() / 2 ** 20),
    node: process.version,
  },
  plan,
}
const checks = []
const check = (name, ok, detail) => checks.push({ name, ok, detail })
const wanted = (part) => !only || only.includes(part)
const resultsDir = join(ROOT, 'reliability/results')
mkdirSync(resultsDir, { recursive: true })
/** Writes what is known so far, so a part that fails does not take the others' figures with it. */
const save = () => {
  results.seconds = Math.round((Date.now() - started) / 1000)
  results.checks = checks
  const text = `${JSON.stringify(results, null, 2)}\n`
  writeFileSync(join(resultsDir, 'latest.json'), text)
  if (!only) writeFileSync(join(resultsDir, `${results.mode}.json`), text)
}
/** Runs one part; an exception is a failed check, and the run goes on. */
async function part(name, body) {
  if (!wanted(name)) return
  try {
    await body()
  } catch (error) {
    log(`  ${name} FAILED: ${error?.stack ?? error}`)
    check(`${name}: ran to the end`, false, String(error?.message ?? error))
  }
  save()
}

/** Runs a vitest file with env; resolves with the exit code. */
function vitest(root, file, env) {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      [join(ROOT, 'node_modules/vitest/vitest.mjs'), 'run', '--root', join(ROOT, root), file],
      {
        env: { ...process.env, ...env },
        stdio: ['ignore', 'inherit', 'inherit'],
      },
    )
    child.once('exit', (code) => resolve(code))
  })
}

await part('crash', async () => {
  for (const store of ['sqlite', 'postgres']) {
    log(`crash safety, ${store}: ${plan.kills} kills`)
    const r = await crashRun({ store, kills: plan.kills, postgresUrl, log })
    results[`crash_${store}`] = r
    check(`crash ${store}: lost = 0`, r.lost === 0, `${r.lost} of ${r.acknowledged}`)
    check(`crash ${store}: audits clean`, r.failedAudits === 0, `${r.failedAudits} of ${r.audits}`)
  }
})
await part('power', async () => {
  log(`power loss, sqlite synchronous=full: ${plan.powerLossKills} kills`)
  const full = await crashRun({
    store: 'sqlite',
    kills: plan.powerLossKills,
    sync: 'full',
    powerLoss: true,
    log,
  })
  results.powerloss_sqlite_full = full
  check('power loss sqlite full: lost = 0', full.lost === 0, `${full.lost} of ${full.acknowledged}`)
  check(
    'power loss sqlite full: audits clean',
    full.failedAudits === 0,
    `${full.failedAudits} of ${full.audits}`,
  )
  log(`power loss, sqlite synchronous=normal (may lose sends, by design): ${plan.normalKills} kills`)
  const normal = await crashRun({
    store: 'sqlite',
    kills: plan.normalKills,
    sync: 'normal',
    powerLoss: true,
    log,
  })
  results.powerloss_sqlite_normal = normal
  check(
    'power loss sqlite normal: never corrupt',
    normal.failedAudits === 0,
    `${normal.lost} acknowledged sends lost (allowed)`,
  )
})
await part('model', async () => {
  log(`model-based tests: ${plan.modelRuns} runs over memory, SQLite, PostgreSQL`)
  const code = await vitest('packages/core', 'src/stores/store.model.test.ts', {
    PANDORA_MODEL_RUNS: String(plan.modelRuns),
  })
  results.model = { runs: plan.modelRuns, passed: code === 0 }
  check('model-based tests', code === 0, `${plan.modelRuns} runs`)
})
await part('fuzz', async () => {
  log(`bad input: ${plan.http} HTTP cases, ${plan.frames} WebSocket frames, against pandorad`)
  const dir = join(tmpdir(), `pandora-fuzz-${process.pid}`)
  mkdirSync(dir, { recursive: true })
  const server = await startPandorad({
    port: await freePort(),
    args: ['--store', 'sqlite', '--db', join(dir, 'pandora.db')],
  })
  const reportFile = join(dir, 'report.json')
  const code = await vitest('packages/server', 'src/http/bad-input.fuzz.test.ts', {
    PANDORA_FUZZ_URL: server.url,
    PANDORA_FUZZ_HTTP: String(plan.http),
    PANDORA_FUZZ_FRAMES: String(plan.frames),
    PANDORA_FUZZ_REPORT: reportFile,
  })
  const alive = await fetch(`${server.url}/healthz`).then(
    (r) => r.ok,
    () => false,
  )
  server.kill('SIGTERM')
  await server.exited
  let report = {}
  try {
    report = JSON.parse(readFileSync(reportFile, 'utf8'))
  } catch {}
  rmSync(dir, { recursive: true, force: true })
  results.fuzz = { passed: code === 0, serverAliveAfter: alive, ...report }
  check(
    'bad input: 0 crashes, 0 5xx, coded refusals, store unchanged',
    code === 0 && alive,
    JSON.stringify({
      http: report['http cases'],
      frames: (report['ws frames answered'] ?? 0) + (report['ws frames sent before a close'] ?? 0),
    }),
  )
})
await part('soak', async () => {
  log(`load and abuse: ${plan.subscribers} subscribers, ${plan.rate}/s for ${plan.soakSeconds} s`)
  const r = await soakRun({
    seconds: plan.soakSeconds,
    subscribers: plan.subscribers,
    rate: plan.rate,
    nonReaders: plan.nonReaders,
    slowClients: plan.slowClients,
    log,
  })
  results.soak = r
  check(
    'soak: every message received',
    r.soak.received >= r.soak.sent - r.soak.sendErrors,
    `${r.soak.received} of ${r.soak.sent}`,
  )
  check('soak: 0 leases left at the end', r.soak.leasesLeftAtEnd === 0, String(r.soak.leasesLeftAtEnd))
  check(
    'abuse: tokens and origins on every route and the upgrade',
    r.auth.failures.length === 0,
    `${r.auth.failures.length} of ${r.auth.summary.checks} failed`,
  )
  const lastStuck = r.nonReading.samples.at(-1)
  check(
    'abuse: non-reading sockets give their leases back',
    lastStuck.leased === 0,
    `${lastStuck.leased} leased after ${lastStuck.atMs} ms`,
  )
  check(
    'abuse: slow-header clients cut at ~10 s with 408',
    r.slowHeaders.cutAfterMs.max <= 12_000 &&
      r.slowHeaders.statuses.every((s) => s === '408' || s === 'none'),
    JSON.stringify(r.slowHeaders),
  )
})

save()

console.log(`\n${results.mode} run, ${results.seconds} s`)
console.table(checks.map((c) => ({ check: c.name, result: c.ok ? 'pass' : 'FAIL', detail: c.detail })))
const table = ['crash_sqlite', 'crash_postgres', 'powerloss_sqlite_full', 'powerloss_sqlite_normal']
  .filter((k) => results[k])
  .map((k) => {
    const r = results[k]
    return {
      run: k,
      kills: r.kills,
      attempted: r.attempted,
      acknowledged: r.acknowledged,
      lost: r.lost,
      dupIds: r.duplicates.ids,
      'dup%': r.duplicates.percent,
      maxPerId: r.duplicates.maxPerId,
      restartP50: r.restartMs.p50,
      restartP99: r.restartMs.p99,
      audits: `${r.audits - r.failedAudits}/${r.audits}`,
    }
  })
if (table.length) console.table(table)
process.exitCode = checks.every((c) => c.ok) ? 0 : 1
