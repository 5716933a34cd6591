// Starting, stopping and killing a real pandorad (the built apps/pandorad/bin/pandorad.js).
import { spawn } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { fileURLToPath } from 'node:url'

export const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const BIN = `${ROOT}apps/pandorad/bin/pandorad.js`

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

/** A free TCP port on 127.0.0.1 (kept for every restart, so clients reconnect to the same address). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address()
      server.close(() => resolve(port))
    })
  })
}

/** The pid of the only child of `pid` (the node process strace started). */
function childOf(pid) {
  const deadline = Date.now() + 5000
  for (;;) {
    try {
      const text = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim()
      if (text) return Number(text.split(/\s+/)[0])
    } catch {}
    if (Date.now() > deadline) throw new Error(`no child of ${pid}`)
  }
}

/**
 * Starts pandorad on `port` with `args` and resolves once it logged that it listens. With
 * `straceFile`, it runs under strace, which records every file write and fsync (for the
 * power-loss harness). Returns { pid, exited, startMs, output(), kill(signal) }.
 */
export async function startPandorad({ port, args, env = {}, straceFile, timeoutMs = 30_000 }) {
  if (!existsSync(`${ROOT}apps/pandorad/dist/main.js`))
    throw new Error('pandorad is not built: run `npm run build`')
  const started = performance.now()
  const argv = [
    BIN,
    '--port',
    String(port),
    '--host',
    '127.0.0.1',
    '--no-webui',
    '--log-level',
    'warn',
    ...args,
  ]
  const child = straceFile
    ? spawn(
        'strace',
        [
          '-f',
          '-qq',
          '-s',
          '0',
          '-y',
          '-e',
          'trace=pwrite64,pwritev,fsync,fdatasync,ftruncate',
          '-o',
          straceFile,
          process.execPath,
          ...argv,
        ],
        { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
      )
    : spawn(process.execPath, argv, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal)))
  const url = `http://127.0.0.1:${port}`
  child.stdout.on('data', (c) => {
    out = (out + c.toString()).slice(-20_000)
  })
  child.stderr.on('data', (c) => {
    out = (out + c.toString()).slice(-20_000)
  })
  // Ready when /healthz answers (the listening log line is below the warn level we ask for).
  const deadline = Date.now() + timeoutMs
  let exitedEarly = false
  void exited.then(() => {
    exitedEarly = true
  })
  for (;;) {
    if (exitedEarly) throw new Error(`pandorad exited before listening:\n${out}`)
    if (Date.now() > deadline) {
      child.kill('SIGKILL')
      throw new Error(`pandorad did not answer within ${timeoutMs} ms:\n${out}`)
    }
    const ok = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(1000) }).then(
      (r) => r.ok,
      () => false,
    )
    if (ok) break
    await sleep(10)
  }
  // Under strace, the node process is strace's child (known once it serves).
  const pid = straceFile ? childOf(child.pid) : child.pid
  return {
    url,
    pid,
    exited,
    startMs: performance.now() - started,
    output: () => out,
    kill: (signal = 'SIGKILL') => {
      try {
        process.kill(pid, signal)
      } catch {}
    },
  }
}

/** Percentile of a list of numbers (nearest rank). */
export function percentile(values, p) {
  if (values.length === 0) return null
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]
}
