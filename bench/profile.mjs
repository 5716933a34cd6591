// CPU profile of pandorad (SQLite, relaxed tier) during the drain and the latency scenarios: runs
// bench/scenarios.mjs with pandorad under `node --cpu-prof`, then prints each profile's top self time.
//   node bench/profile.mjs [--quick]
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { summarise } from './cpuprofile.mjs'

const quick = process.argv.includes('--quick')
const script = fileURLToPath(new URL('scenarios.mjs', import.meta.url))
for (const scenario of ['drain', 'latency']) {
  const dir = mkdtempSync(join(tmpdir(), 'pandora-prof-'))
  const env = {
    ...process.env,
    BENCH_SCENARIOS: scenario,
    BENCH_PANDORAD_NODE_ARGS: `--cpu-prof --cpu-prof-dir=${dir}`,
  }
  const run = spawnSync(
    process.execPath,
    [script, 'pandora-sqlite', 'relaxed', ...(quick ? ['--quick'] : [])],
    {
      env,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
      timeout: 20 * 60_000,
    },
  )
  console.log(`\n## pandorad during "${scenario}"\n`)
  for (const line of run.stdout.split('\n').filter((l) => l.startsWith('ROW '))) {
    const r = JSON.parse(line.slice(4))
    console.log(
      `${r.scenario}: ${r.ops_per_sec ? `${Math.round(r.ops_per_sec)} msg/s` : `p50 ${r.p50_ms?.toFixed(2)} ms, p99 ${r.p99_ms?.toFixed(2)} ms`}${r.error ? ` error: ${r.error}` : ''}`,
    )
  }
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'))) {
    console.log('\n| self % | self ms | function |\n| --: | --: | --- |')
    for (const { name, ms, share } of summarise(join(dir, file), 15))
      console.log(`| ${(share * 100).toFixed(1)} | ${ms.toFixed(0)} | \`${name}\` |`)
  }
  rmSync(dir, { recursive: true, force: true })
}
