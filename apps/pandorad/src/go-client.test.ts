import { spawn, spawnSync } from 'node:child_process'
import { cpSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import { type RunningPandorad, spawnPandorad } from './spawn-pandorad.js'

// The original 2014 Go client and its own TestMailbox (interop/go-client, unchanged but for the
// server's URL) run against a real pandorad: the proof that clients in the field keep working.

const goClient = fileURLToPath(new URL('../../../interop/go-client', import.meta.url))
const hasGo = spawnSync('go', ['version'], { stdio: 'ignore' }).status === 0
const inCi = process.env.CI === 'true' || process.env.CI === '1'
if (!hasGo && !inCi) {
  console.warn('go-client interop test skipped: Go is not installed (apt-get install -y golang-go)')
}

const running: RunningPandorad[] = []
const dirs: string[] = []
afterEach(() => {
  for (const p of running.splice(0)) p.child.kill('SIGKILL')
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

/** Runs `go test` on the original client against `url`; resolves with its exit code and output. */
function goTest(dir: string, url: string): Promise<{ code: number | null; output: string }> {
  const cache = join(tmpdir(), 'pandora-go-cache')
  const child = spawn('go', ['test', '-v', '-count=1', './pandora/pandora/'], {
    cwd: dir,
    env: {
      ...process.env,
      PANDORA_URL: url,
      GOFLAGS: '-mod=mod',
      GOPROXY: 'off',
      GOCACHE: join(cache, 'build'),
      GOPATH: join(cache, 'path'),
      GOTELEMETRY: 'off',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout.on('data', (c: Buffer) => {
    output += c
  })
  child.stderr.on('data', (c: Buffer) => {
    output += c
  })
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, output })))
}

describe('original Go client', () => {
  it.skipIf(!hasGo && !inCi)(
    'interop - the original TestMailbox passes unchanged against pandorad on a fresh SQLite file',
    async () => {
      expect(hasGo, 'Go is required under CI (apt-get install -y golang-go)').toBe(true)
      const dir = mkdtempSync(join(tmpdir(), 'pandora-go-'))
      dirs.push(dir)
      // Go wants a writable tree of its own.
      cpSync(goClient, join(dir, 'client'), { recursive: true })
      const server = await spawnPandorad(['--db', join(dir, 'pandora.db')])
      running.push(server)
      const { code, output } = await goTest(join(dir, 'client'), server.url)
      expect(output).toContain('--- PASS: TestMailbox')
      expect(code, output).toBe(0)
    },
    120_000,
  )
})
