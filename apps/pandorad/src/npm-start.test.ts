import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'

// What Docker, systemd or PM2 do with `npm start`: signal the npm process and expect the server to go.
const root = fileURLToPath(new URL('../../../', import.meta.url))
const dir = mkdtempSync(join(tmpdir(), 'pandora-npm-start-'))
let serverPid: number | undefined
afterAll(() => {
  // A failing run must not leave its server behind.
  if (serverPid !== undefined && alive(serverPid)) process.kill(serverPid, 'SIGKILL')
  rmSync(dir, { recursive: true, force: true })
})

const alive = (pid: number) => {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

const portOpen = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect(port, '127.0.0.1')
    socket.once('connect', () => resolve(socket.destroy() !== undefined))
    socket.once('error', () => resolve(false))
  })

describe('npm start', () => {
  it('npm start - SIGTERM to the npm process stops pandorad gracefully, leaving no orphan', async () => {
    const npm = spawn('npm', ['start', '--', '--port', '0', '--db', join(dir, 'pandora.db')], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let out = ''
    const exited = new Promise<number | null>((resolve) => npm.once('close', (code) => resolve(code)))
    const listening = await new Promise<{ pid: number; port: number }>((resolve, reject) => {
      npm.stdout!.on('data', (chunk: Buffer) => {
        out += chunk.toString()
        const m = /"pid":(\d+),.*"url":"http:\/\/127\.0\.0\.1:(\d+)"/.exec(out)
        if (m) resolve({ pid: Number(m[1]), port: Number(m[2]) })
      })
      npm.stderr!.on('data', (chunk: Buffer) => {
        out += chunk.toString()
      })
      void exited.then((code) => reject(new Error(`npm start exited with ${code}:\n${out}`)))
    })
    serverPid = listening.pid
    expect(await portOpen(listening.port)).toBe(true)

    npm.kill('SIGTERM')
    expect(await exited, out).toBe(0)
    expect(out).toContain('"signal":"SIGTERM","msg":"shutting down')
    expect(alive(listening.pid), 'pandorad still running after npm exited').toBe(false)
    expect(await portOpen(listening.port)).toBe(false)
  }, 120_000)
})
