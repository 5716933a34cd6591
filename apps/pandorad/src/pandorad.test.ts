import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { request } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { type RunningPandorad, spawnPandorad } from './spawn-pandorad.js'

const bin = fileURLToPath(new URL('../bin/pandorad.js', import.meta.url))

const running: RunningPandorad[] = []
const dirs: string[] = []
afterEach(() => {
  for (const p of running.splice(0)) p.child.kill('SIGKILL')
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})
const tempDb = () => {
  const dir = mkdtempSync(join(tmpdir(), 'pandorad-'))
  dirs.push(dir)
  return join(dir, 'pandora.db')
}
const start = async (args: string[], env?: Record<string, string>) => {
  const p = await spawnPandorad(args, env)
  running.push(p)
  return p
}
const form = (url: string, body: Record<string, string>) =>
  fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(body),
  })

describe('pandorad', () => {
  it('start - serves the form API on the SQLite file; messages survive a restart', async () => {
    const db = tempDb()
    const first = await start(['--db', db])
    expect(first.output()).toContain('pandorad listening on')
    const sent = new URLSearchParams(
      await (await form(`${first.url}/send`, { sender: 'a@b', receiver: 'c@d', k: 'v' })).text(),
    )
    first.child.kill('SIGTERM')
    expect(await first.exited).toBe(0)
    const second = await start(['--db', db])
    const fetched = new URLSearchParams(await (await form(`${second.url}/fetch`, { receiver: 'c@d' })).text())
    expect(fetched.get('mid')).toBe(sent.get('mid'))
    expect(fetched.get('k')).toBe('v')
  })

  it('SIGTERM - gives back the leases of connected subscribers, closes the store, exits 0', async () => {
    const db = tempDb()
    const p = await start(['--db', db])
    await form(`${p.url}/send`, { sender: 'a@b', receiver: 'w@d' })
    const ws = new WebSocket(`${p.url.replace('http', 'ws')}/v1/ws`, 'pandora.v1')
    const pushed = new Promise<{ message: { mid: string } }>((resolve) => {
      ws.on('message', (data) => {
        const f = JSON.parse(String(data))
        if (f.type === 'welcome')
          ws.send(JSON.stringify({ type: 'subscribe', sub: 's', receiver: 'w@d', leaseTime: 3_600_000 }))
        if (f.type === 'message') resolve(f)
      })
    })
    const { message } = await pushed
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)))
    p.child.kill('SIGTERM')
    expect(await p.exited).toBe(0)
    expect(await closed).toBe(1001)
    // Its last line says the shutdown finished, even with stdout a pipe (lines are flushed first).
    expect(p.output().trim().split('\n').at(-1)).toContain('"msg":"stopped"')
    // Leased for an hour, yet available at once after the restart: the lease was given back.
    const again = await start(['--db', db])
    const fetched = new URLSearchParams(await (await form(`${again.url}/fetch`, { receiver: 'w@d' })).text())
    expect(fetched.get('mid')).toBe(message.mid)
    expect(fetched.get('deliveryCount')).toBe('2')
    expect(fetched.get('status')).toBe('rejected')
  })

  it('SIGTERM - sent the instant the listening line is read, still stops pandorad gracefully', async () => {
    // A supervisor or a person may signal as soon as pandorad says it listens, and on a busy machine
    // pandorad may not run one more statement before the signal lands. The preload holds its main
    // thread right after that line until the signal is sent: then the line must already mean
    // "SIGTERM is handled", not "SIGTERM kills me outright".
    const hold = fileURLToPath(new URL('./hold-after-listening.cjs', import.meta.url))
    const child = spawn(process.execPath, ['--require', hold, bin, '--port', '0', '--db', tempDb()], {
      stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
    })
    let out = ''
    const exited = new Promise<NodeJS.Signals | number | null>((resolve) =>
      child.once('close', (code, signal) => resolve(signal ?? code)),
    )
    await new Promise<void>((resolve, reject) => {
      child.stdout!.on('data', (chunk: Buffer) => {
        out += chunk.toString()
        if (out.includes('"msg":"pandorad listening')) resolve()
      })
      child.stderr!.on('data', (chunk: Buffer) => {
        out += chunk.toString()
      })
      void exited.then((end) => reject(new Error(`pandorad ended (${end}) before listening:\n${out}`)))
    })
    child.kill('SIGTERM')
    // One byte, all the preload reads: a byte left unread would reset the pipe when pandorad exits.
    ;(child.stdio[3] as NodeJS.WritableStream).write('g')
    expect(await exited, out).toBe(0)
    expect(out).toContain('"signal":"SIGTERM","msg":"shutting down')
    expect(out.trim().split('\n').at(-1)).toContain('"msg":"stopped"')
  })

  it('token - a token from the environment protects every route', async () => {
    const p = await start(['--store', 'memory'], { PANDORA_TOKEN: 'env-token-123' })
    expect((await form(`${p.url}/send`, { sender: 'a@b', receiver: 'c@d' })).status).toBe(401)
    const ok = await fetch(`${p.url}/v1/mailboxes`, { headers: { authorization: 'Bearer env-token-123' } })
    expect(ok.status).toBe(200)
    expect(p.output()).not.toContain('env-token-123')
  })

  it('warning - binding a non-loopback address without a token warns loudly', async () => {
    const p = await start(['--store', 'memory', '--host', '0.0.0.0'])
    expect(p.output()).toContain('WITHOUT A TOKEN')
  })

  it('hosts - names given with --allow-host are served without a token; other names get 421', async () => {
    const p = await start(['--store', 'memory', '--allow-host', 'pandora.lan'])
    const { port } = new URL(p.url)
    const statusFor = (host: string) =>
      new Promise<number>((resolve, reject) => {
        const req = request(`${p.url}/healthz`, { headers: { host }, setHost: false }, (res) => {
          res.resume()
          resolve(res.statusCode ?? 0)
        })
        req.on('error', reject)
        req.end()
      })
    expect(await statusFor(`pandora.lan:${port}`)).toBe(200)
    expect(await statusFor(`localhost:${port}`)).toBe(200)
    expect(await statusFor(`evil.example:${port}`)).toBe(421)
  })

  it('token file - scoped tokens: a sender may send only where its patterns allow, a worker only receive', async () => {
    const file = join(tempDb(), '..', 'tokens.json')
    writeFileSync(
      file,
      JSON.stringify({
        tokens: [
          { name: 'web', token: 'web-token-123', scopes: { send: ['*@shop'] } },
          { name: 'worker', token: 'worker-token-1', scopes: { receive: ['orders@shop'] } },
        ],
      }),
    )
    const p = await start(['--store', 'memory', '--token-file', file])
    const send = (token: string, receiver: string) =>
      fetch(`${p.url}/v1/messages`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ sender: 'web@shop', receiver, fields: {} }),
      })
    expect((await send('web-token-123', 'orders@shop')).status).toBe(201)
    expect((await send('web-token-123', 'orders@bank')).status).toBe(403)
    expect((await send('worker-token-1', 'orders@shop')).status).toBe(403)
    const fetched = await fetch(`${p.url}/v1/mailboxes/orders%40shop/fetch`, {
      method: 'POST',
      headers: { authorization: 'Bearer worker-token-1', 'content-type': 'application/json' },
      body: '{}',
    })
    expect(((await fetched.json()) as { messages: unknown[] }).messages).toHaveLength(1)
  })

  it('token file - a malformed file stops the start with a clear message', async () => {
    const file = join(tempDb(), '..', 'bad.json')
    writeFileSync(file, '{"tokens": [{"token": "x"}]}')
    await expect(spawnPandorad(['--store', 'memory', '--token-file', file])).rejects.toThrow(
      /needs "token" and "scopes"/,
    )
  })

  it('logs - --log-format pretty prints readable lines for a person; the default off a terminal is JSON lines', async () => {
    const json = await start(['--store', 'memory'])
    expect(json.output().split('\n')[0]).toMatch(/^\{"level":30,/)
    const child = spawn(
      process.execPath,
      [bin, '--store', 'memory', '--port', '0', '--log-format', 'pretty'],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    )
    let out = ''
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (c: Buffer) => {
        out += c
        if (/pandorad listening on http:\/\/127\.0\.0\.1:\d+/.test(out)) resolve()
      })
      child.once('exit', (code) => reject(new Error(`exited ${code}: ${out}`)))
    })
    child.kill('SIGKILL')
    expect(out).toMatch(/INFO.*pandorad listening on/)
    expect(out).not.toMatch(/^\{/m)
  })

  it('logs - a bad --log-format is refused with a clear message', async () => {
    await expect(spawnPandorad(['--store', 'memory', '--log-format', 'xml'])).rejects.toThrow(
      /--log-format must be json or pretty/,
    )
  })
})
