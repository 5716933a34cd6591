// Load and abuse against a real pandorad started with a token:
// - a soak: many SDK subscribers (one WebSocket each) at a steady send rate, for a bounded time;
//   RSS and open file descriptors sampled, end-to-end latency measured, leases left at the end;
// - sockets that subscribe with a large prefetch and never read: memory and leases they hold;
// - slow-header clients: when the server cuts them, and with what;
// - tokens and origins on every route and on the WebSocket upgrade.
import { randomBytes } from 'node:crypto'
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PandoraClient } from '@pandora/client'
import WebSocket from 'ws'
import { freePort, percentile, sleep, startPandorad } from './lib/pandorad.mjs'

const SUBS_PER_STUCK_SOCKET = 2
const TOKEN = randomBytes(16).toString('hex')
const auth = { authorization: `Bearer ${TOKEN}` }

const rssMb = (pid) => {
  const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
  return m ? Math.round(Number(m[1]) / 1024) : null
}
const openFds = (pid) => readdirSync(`/proc/${pid}/fd`).length

/**
 * @param {{ seconds: number, subscribers: number, rate: number, nonReaders: number, slowClients: number,
 *   log?: (line: string) => void }} options
 */
export async function soakRun(options) {
  const { seconds, subscribers, rate, nonReaders, slowClients, log = () => {} } = options
  const dir = mkdtempSync(join(tmpdir(), 'pandora-soak-'))
  const port = await freePort()
  const server = await startPandorad({
    port,
    args: ['--store', 'sqlite', '--db', join(dir, 'pandora.db'), '--token', TOKEN],
  })
  const url = server.url
  const result = { seconds, subscribers, rate }
  try {
    result.auth = await checkAuthAndOrigins(url)
    log(`  auth: ${JSON.stringify(result.auth.summary)}`)

    // Slow-header clients run alongside everything else.
    const slow = slowHeaderClients(port, slowClients, 40_000)

    // Non-reading sockets: 2 subscriptions each with the largest prefetch on a full mailbox (so
    // each socket is pushed far more than the server's 1 MiB send buffer), then never read.
    const stuckBox = `stuck-${randomBytes(3).toString('hex')}@soak`
    const admin = new PandoraClient({ url, token: TOKEN, from: 'soak@reliability' })
    const stuckMessages = nonReaders * SUBS_PER_STUCK_SOCKET * 256
    for (let i = 0; i < stuckMessages; i += 200) {
      const batch = Array.from({ length: Math.min(200, stuckMessages - i) }, (_, j) => ({
        receiver: stuckBox,
        fields: { n: String(i + j), pad: 'x'.repeat(3500) },
      }))
      await admin.sendBatch(batch)
    }
    const rssBeforeStuck = rssMb(server.pid)
    const stuck = await Promise.all(Array.from({ length: nonReaders }, () => nonReadingSocket(url, stuckBox)))
    const stuckStats = []
    for (let t = 1; t <= 8; t++) {
      await sleep(2000)
      stuckStats.push({
        atMs: t * 2000,
        leased: (await stats(url, stuckBox)).leased,
        rssMb: rssMb(server.pid),
      })
    }
    result.nonReading = {
      sockets: nonReaders,
      subscriptionsPerSocket: SUBS_PER_STUCK_SOCKET,
      messages: stuckMessages,
      rssBeforeMb: rssBeforeStuck,
      samples: stuckStats,
    }
    for (const s of stuck) s.terminate()
    log(`  non-reading sockets: ${JSON.stringify(result.nonReading.samples.at(-1))}`)

    // The soak proper.
    const boxes = Array.from(
      { length: 10 },
      (_, i) => `soak-${i}-${randomBytes(3).toString('hex')}@reliability`,
    )
    const latencies = []
    let received = 0
    const clients = []
    const subs = []
    for (let i = 0; i < subscribers; i++) {
      const client = new PandoraClient({ url, token: TOKEN })
      clients.push(client)
      subs.push(
        client.subscribe(
          boxes[i % boxes.length],
          async (msg) => {
            latencies.push(Date.now() - Number(msg.fields.get('sentAt')))
            received++
          },
          { prefetch: 4, leaseTime: 10_000 },
        ),
      )
    }
    await sleep(1000)
    const samples = []
    const t0 = Date.now()
    let sent = 0
    let sendErrors = 0
    // At most 64 sends in flight: a server that slows down makes the producer fall behind
    // (counted), instead of opening ever more connections.
    let inFlight = 0
    let behind = 0
    const producer = (async () => {
      const interval = 1000 / rate
      while (Date.now() - t0 < seconds * 1000) {
        const due = t0 + sent * interval
        if (due > Date.now()) await sleep(due - Date.now())
        else if (inFlight >= 64) {
          behind++
          await sleep(5)
          continue
        }
        const n = sent++
        inFlight++
        admin
          .send(boxes[n % boxes.length], { n: String(n), sentAt: String(Date.now()) })
          .catch(() => {
            sendErrors++
          })
          .finally(() => {
            inFlight--
          })
      }
    })()
    const sampler = (async () => {
      while (Date.now() - t0 < seconds * 1000) {
        samples.push({
          atS: Math.round((Date.now() - t0) / 1000),
          rssMb: rssMb(server.pid),
          fds: openFds(server.pid),
        })
        await sleep(Math.max(2000, (seconds * 1000) / 30))
      }
    })()
    await Promise.all([producer, sampler])
    const drainUntil = Date.now() + 15_000
    while (received < sent - sendErrors && Date.now() < drainUntil) await sleep(100)
    const leasedWhileOpen = (await Promise.all(boxes.map((b) => stats(url, b)))).reduce(
      (s, x) => s + x.leased,
      0,
    )
    await Promise.all(subs.map((s) => s.close()))
    await Promise.all(clients.map((c) => c.close()))
    await sleep(500)
    const after = await Promise.all(boxes.map((b) => stats(url, b)))
    samples.push({
      atS: Math.round((Date.now() - t0) / 1000),
      rssMb: rssMb(server.pid),
      fds: openFds(server.pid),
    })
    result.soak = {
      sent,
      sendErrors,
      producerWaits: behind,
      received,
      latencyMs: {
        p50: percentile(latencies, 50),
        p99: percentile(latencies, 99),
        max: percentile(latencies, 100),
      },
      leasesLeftAtEnd: after.reduce((s, x) => s + x.leased, 0),
      pendingLeftAtEnd: after.reduce((s, x) => s + x.pending + x.delayed, 0),
      leasedBeforeClose: leasedWhileOpen,
      rssMb: {
        first: samples[0]?.rssMb,
        max: Math.max(...samples.map((s) => s.rssMb)),
        last: samples.at(-1)?.rssMb,
      },
      openFds: {
        first: samples[0]?.fds,
        max: Math.max(...samples.map((s) => s.fds)),
        last: samples.at(-1)?.fds,
      },
      samples,
    }
    log(`  soak: ${JSON.stringify({ ...result.soak, samples: undefined })}`)
    result.slowHeaders = await slow
    log(`  slow headers: ${JSON.stringify(result.slowHeaders)}`)
    await admin.close()
    return result
  } finally {
    server.kill('SIGTERM')
    await Promise.race([server.exited, sleep(15_000)])
    server.kill('SIGKILL')
    rmSync(dir, { recursive: true, force: true })
  }
}

async function stats(url, box) {
  const res = await fetch(`${url}/v1/mailboxes/${encodeURIComponent(box)}`, { headers: auth })
  return res.json()
}

/** A socket that subscribes with the largest prefetch and then stops reading (TCP receive window fills). */
function nonReadingSocket(url, box) {
  const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/v1/ws`, 'pandora.v1', { headers: auth })
  return new Promise((resolve, reject) => {
    ws.once('error', reject)
    ws.once('open', () => {
      ws.send(
        JSON.stringify({ type: 'subscribe', sub: 's', receiver: box, prefetch: 256, leaseTime: 600_000 }),
      )
      ws._socket.pause()
      resolve(ws)
    })
  })
}

/** Clients that send a request line and then one header byte per second; when and how they are cut. */
function slowHeaderClients(port, n, limitMs) {
  return Promise.all(
    Array.from(
      { length: n },
      () =>
        new Promise((resolve) => {
          const started = Date.now()
          const socket = connect(port, '127.0.0.1')
          let reply = ''
          let timer
          const done = () => {
            clearInterval(timer)
            socket.destroy()
            resolve({
              cutAfterMs: Date.now() - started,
              status: /^HTTP\/1\.1 (\d+)/.exec(reply)?.[1] ?? 'none',
            })
          }
          socket.on('data', (c) => {
            reply += c.toString()
          })
          socket.on('close', done)
          socket.on('error', () => {})
          socket.on('connect', () => {
            socket.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ')
            timer = setInterval(() => {
              if (Date.now() - started > limitMs) return done()
              socket.write('a')
            }, 1000)
          })
        }),
    ),
  ).then((all) => ({
    clients: n,
    cutAfterMs: {
      p50: percentile(
        all.map((a) => a.cutAfterMs),
        50,
      ),
      max: Math.max(...all.map((a) => a.cutAfterMs)),
    },
    statuses: [...new Set(all.map((a) => a.status))],
    neverCut: all.filter((a) => a.cutAfterMs >= limitMs).length,
  }))
}

/** Every route without a token, with a wrong one, with the right one; each with a foreign Origin. */
async function checkAuthAndOrigins(url) {
  const mid = 'a'.repeat(40)
  const box = 'x%40y'
  const routes = [
    ['POST', '/v1/messages', { sender: 'a@b', receiver: 'auth@soak', fields: { k: 'v' } }],
    ['POST', '/v1/messages/batch', { messages: [] }],
    ['POST', `/v1/mailboxes/${box}/fetch`, { leaseTime: 1000 }],
    ['POST', `/v1/messages/${mid}/ack`, { lid: mid }],
    ['POST', `/v1/messages/${mid}/reject`, { lid: mid }],
    ['POST', `/v1/messages/${mid}/renew`, { lid: mid, leaseTime: 1000 }],
    ['GET', `/v1/messages/${mid}`],
    ['GET', '/v1/mailboxes'],
    ['GET', `/v1/mailboxes/${box}`],
    ['GET', `/v1/mailboxes/${box}/headers`],
    ['GET', `/v1/mailboxes/${box}/dead`],
    ['POST', `/v1/mailboxes/${box}/redrive`, {}],
    ['DELETE', `/v1/mailboxes/auth-nobody%40soak`],
    ['POST', '/send', 'receiver=auth@soak&sender=a@b&k=v'],
    ['POST', '/fetch', 'receiver=auth@soak'],
    ['POST', '/ack', `mid=${mid}&lid=${mid}&statusCode=1`],
    ['GET', '/admin/headers?receiver=auth@soak'],
    ['GET', `/admin/fetchBlob?mid=${mid}`],
    ['GET', '/metrics'],
  ]
  const call = async ([method, path, body], headers) => {
    const form = typeof body === 'string'
    const res = await fetch(`${url}${path}`, {
      method,
      headers: {
        ...headers,
        ...(body === undefined
          ? {}
          : { 'content-type': form ? 'application/x-www-form-urlencoded' : 'application/json' }),
      },
      ...(body === undefined ? {} : { body: form ? body : JSON.stringify(body) }),
    })
    await res.text()
    return res.status
  }
  const failures = []
  let checks = 0
  for (const route of routes) {
    const name = `${route[0]} ${route[1]}`
    for (const [label, headers, ok] of [
      ['no token', {}, (s) => s === 401],
      ['wrong token', { authorization: 'Bearer wrong' }, (s) => s === 401],
      ['token', auth, (s) => s !== 401 && s !== 403 && s < 500],
      ['token + foreign Origin', { ...auth, origin: 'http://evil.example' }, (s) => s === 403],
      [
        'token + foreign Host',
        { ...auth, host: `evil.example:${new URL(url).port}` },
        (s) => s !== 401 && s < 500,
      ],
    ]) {
      checks++
      const status = await call(route, headers)
      if (!ok(status)) failures.push(`${name} with ${label}: ${status}`)
    }
  }
  const upgrade = async (headers) =>
    new Promise((resolve) => {
      const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/v1/ws`, 'pandora.v1', { headers })
      ws.once('open', () => {
        // Without a token in the headers the server may still accept and wait for an auth frame.
        ws.once('message', (data) => {
          const frame = JSON.parse(String(data))
          ws.terminate()
          resolve(frame.authRequired === false ? 'open' : 'auth-required')
        })
      })
      ws.once('unexpected-response', (_req, res) => {
        ws.terminate()
        resolve(res.statusCode)
      })
      ws.once('error', () => resolve('error'))
    })
  for (const [label, headers, ok] of [
    ['upgrade with token', auth, (r) => r === 'open' || r === 'auth-required'],
    ['upgrade without token', {}, (r) => r === 401 || r === 'auth-required'],
    ['upgrade with foreign Origin', { ...auth, origin: 'http://evil.example' }, (r) => r === 403],
  ]) {
    checks++
    const r = await upgrade(headers)
    if (!ok(r)) failures.push(`${label}: ${r}`)
  }
  return { summary: { checks, failures: failures.length }, failures }
}
