/**
 * Generated bad input over the form API, the JSON API (every content type) and WebSocket frames.
 * Every reply must be below 500; every refusal a 4xx with a code (problem JSON `code` on /v1, an
 * `error=` body on the form routes); a refused request must leave the store as it was (mailbox
 * counts, delivery counts and the message counters compared before and after). Frames: every bad
 * frame gets an error frame with a known code (never `internal`), the socket keeps answering, and
 * the mailboxes it cannot touch stay as they were.
 *
 * In `npm test` it runs in process against a fresh server with a few hundred requests and a few
 * thousand frames. `npm run reliability` runs it against a real pandorad:
 * `PANDORA_FUZZ_URL` (a running server), `PANDORA_FUZZ_HTTP` and `PANDORA_FUZZ_FRAMES` (counts),
 * `PANDORA_FUZZ_REPORT` (a file the counts are written to, as JSON).
 */
import { writeFileSync } from 'node:fs'
import { isErrorCode, WS_PROTOCOL } from '@pandora/core'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { startServer } from '../../../../test-support/server.js'
import type { PandoraServer } from '../create-server.js'

const HTTP_CASES = Number(process.env.PANDORA_FUZZ_HTTP ?? 400)
const FRAMES = Number(process.env.PANDORA_FUZZ_FRAMES ?? 3000)
const external = process.env.PANDORA_FUZZ_URL
const report: Record<string, number> = {}
const count = (key: string, n = 1): void => {
  report[key] = (report[key] ?? 0) + n
}

let server: PandoraServer | undefined
let base = ''
const tag = Date.now().toString(36)
/** Mailboxes seeded with messages that generated requests may name. */
const POOL = [`fuzz-a-${tag}@test`, `fuzz-b-${tag}@test`]

beforeAll(async () => {
  if (external) base = external
  else {
    server = await startServer({ kind: 'sqlite' })
    base = server.url
  }
  for (const box of POOL) {
    for (let i = 0; i < 5; i++) {
      const res = await fetch(`${base}/v1/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ sender: 'seed@test', receiver: box, fields: { i: String(i) } }),
      })
      expect(res.status).toBe(201)
    }
  }
})
afterAll(async () => {
  await server?.close()
  if (process.env.PANDORA_FUZZ_REPORT) writeFileSync(process.env.PANDORA_FUZZ_REPORT, JSON.stringify(report))
})

// ---------------------------------------------------------------------------------------------
// Generators

const mid = 'a'.repeat(40)
/** Percent-encodes (a lone surrogate becomes U+FFFD first: encodeURIComponent refuses it). */
const enc = (s: string): string => encodeURIComponent(s.toWellFormed())
const PROTO = ['constructor', '__proto__', 'toString', 'valueOf', 'hasOwnProperty']
const text = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.string({ unit: 'grapheme', maxLength: 8 }),
  fc.constantFrom(
    '',
    ' ',
    '\u0000',
    '\uFFFD',
    '\uD800',
    '%FF%FE',
    '%',
    '..%2F',
    '1e308',
    '-1',
    'null',
    ...PROTO,
  ),
  fc.constantFrom(...POOL),
)
/** Text for HTTP cases: sometimes long (past the 255-character names, toward the size limits). */
const longText = fc.oneof(
  { weight: 6, arbitrary: text },
  { weight: 1, arbitrary: fc.integer({ min: 250, max: 5000 }).map((n) => 'x'.repeat(n)) },
)
const mailboxy = fc.oneof(longText, fc.constantFrom(...POOL, 'x@y', `${'m'.repeat(256)}@x`))
const keyish = fc.oneof(
  fc.constant(mid),
  fc.stringMatching(/^[0-9a-f]{40}$/),
  text,
  fc.constantFrom('A'.repeat(40), 'a'.repeat(39), 'g'.repeat(40)),
)
const durationish = fc.oneof(
  fc.integer({ min: -10, max: 50_000_000 }),
  fc.constantFrom('5m', '-5m', '1h', '0', '1e9', 'long', '1.5s', '99999999999h'),
  fc.double(),
  fc.constant(null),
)
const jsonValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.record(
    {
      sender: mailboxy,
      receiver: mailboxy,
      fields: fc.oneof(
        fc.dictionary(
          fc.oneof(text, fc.constantFrom(...PROTO)),
          fc.oneof(text, fc.array(text, { maxLength: 3 })),
        ),
        fc.jsonValue({ maxDepth: 2 }),
      ),
      delay: durationish,
      clientTime: fc.oneof(text, fc.constant('2024-01-01T00:00:00Z')),
      leaseTime: durationish,
      max: fc.oneof(fc.integer({ min: -2, max: 1000 }), text),
      lid: keyish,
      mids: fc.oneof(fc.array(keyish, { maxLength: 3 }), text),
      messages: fc.oneof(fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 3 }), text),
      wait: durationish,
    },
    { requiredKeys: [] },
  ),
)
const formBody = fc.oneof(
  fc
    .array(
      fc.tuple(
        fc.oneof(
          text,
          fc.constantFrom('receiver', 'sender', 'mid', 'lid', 'statusCode', 'leaseTime', 'delay', ...PROTO),
        ),
        fc.oneof(longText, mailboxy, keyish),
      ),
      { maxLength: 6 },
    )
    .map((pairs) => pairs.map(([k, v]) => `${enc(k)}=${enc(v)}`).join('&')),
  // Raw, possibly broken percent-encoding and UTF-8.
  fc.constantFrom('k=%FF%FE', 'receiver=%ZZ', '=&=&&', 'a=%', `receiver=${POOL[0]}&sender=%C3%28`),
)
const rawBytes = fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b))
const bodyOf = fc.oneof(
  { weight: 4, arbitrary: jsonValue.map((v) => JSON.stringify(v) ?? '') },
  { weight: 3, arbitrary: formBody },
  { weight: 1, arbitrary: rawBytes },
  { weight: 1, arbitrary: fc.constantFrom('', '{', '{"a":', '[', 'null', '"') },
  { weight: 1, arbitrary: fc.integer({ min: 60_000, max: 300_000 }).map((n) => `{"x":"${'y'.repeat(n)}"}`) },
)
const contentType = fc.oneof(
  fc.constantFrom(
    undefined,
    'application/json',
    'application/json; charset=utf-8',
    'APPLICATION/JSON',
    'application/problem+json',
    'application/x-www-form-urlencoded',
    'application/x-www-form-urlencoded; charset=latin1',
    'text/plain',
    'text/plain;charset=UTF-8',
    'multipart/form-data; boundary=x',
    'application/octet-stream',
    '',
    ';;',
  ),
  fc.string({ maxLength: 20 }),
)
const path = fc.oneof(
  fc.constantFrom('/send', '/fetch', '/ack', '/api/send', '/api/fetch', '/api/ack'),
  fc.constantFrom('/v1/messages', '/v1/messages/batch', '/v1/mailboxes', '/v1/info'),
  mailboxy.map((m) => `/admin/headers?receiver=${enc(m)}`),
  keyish.map((k) => `/admin/fetchBlob?mid=${enc(k)}`),
  mailboxy.map((m) => `/v1/mailboxes/${enc(m)}/fetch`),
  mailboxy.map((m) => `/v1/mailboxes/${enc(m)}`),
  fc
    .tuple(mailboxy, fc.constantFrom('headers', 'dead', 'redrive'), text)
    .map(([m, r, q]) => `/v1/mailboxes/${enc(m)}/${r}?limit=${enc(q)}&since=${enc(q)}`),
  fc
    .tuple(keyish, fc.constantFrom('ack', 'reject', 'renew', ''))
    .map(([k, a]) => `/v1/messages/${enc(k)}${a ? `/${a}` : ''}`),
  fc.constantFrom('/v1/mailboxes/%E0%A4%A', '/v1/messages/%00', '//v1//messages', '/v1/messages/', '/%'),
  text.map((t) => `/${enc(t)}`),
)
// DELETE only on the pool's own mailboxes would purge the seed: keep it to other names.
const method = fc.constantFrom(
  'POST',
  'POST',
  'POST',
  'GET',
  'GET',
  'PUT',
  'PATCH',
  'DELETE',
  'OPTIONS',
  'HEAD',
)
const origin = fc.constantFrom(undefined, undefined, undefined, 'http://evil.example', 'null')
const httpCase = fc.record({ method, path, contentType, body: bodyOf, origin })
type HttpCase = typeof httpCase extends fc.Arbitrary<infer T> ? T : never

// ---------------------------------------------------------------------------------------------
// Checks

interface Snapshot {
  mailboxes: unknown
  deliveries: unknown
  counters: string
}

/** What a refused request must not change: counts per mailbox, delivery counts, the message counters. */
async function snapshot(): Promise<Snapshot> {
  const res = await fetch(`${base}/v1/mailboxes`)
  const { mailboxes: list } = (await res.json()) as {
    mailboxes: { receiver: string; pending: number; leased: number; delayed: number }[]
  }
  // Pending, leased and delayed trade places as time passes; their sum does not.
  const mailboxes = list.map((s) => {
    const { pending, leased, delayed, ...rest } = s
    return { ...rest, active: pending + leased + delayed }
  })
  const deliveries = await Promise.all(
    POOL.map(async (box) => {
      const r = await fetch(`${base}/v1/mailboxes/${enc(box)}/headers?limit=1000`)
      const { headers } = (await r.json()) as { headers: { mid: string; deliveryCount: number }[] }
      return headers.map((h) => `${h.mid}:${h.deliveryCount}`)
    }),
  )
  const metrics = await (await fetch(`${base}/metrics`)).text()
  const counters = metrics
    .split('\n')
    .filter((l) => /^pandora_messages_(sent|acked|rejected)_total/.test(l))
    .join('\n')
  return { mailboxes, deliveries, counters }
}

const isForm = (p: string): boolean => !p.startsWith('/v1/') && !p.startsWith('/v1?')

/** Sends one generated request and checks its reply; returns whether it was refused. */
async function sendCase(c: HttpCase): Promise<{ refused: boolean; problem: string | null }> {
  const headers: Record<string, string> = {}
  if (c.contentType !== undefined) headers['content-type'] = c.contentType
  if (c.origin !== undefined) headers.origin = c.origin
  const withBody = c.method !== 'GET' && c.method !== 'HEAD'
  let res: Response
  try {
    res = await fetch(`${base}${c.path}`, {
      method: c.method,
      headers,
      ...(withBody ? { body: c.body } : {}),
      signal: AbortSignal.timeout(10_000),
    })
  } catch (error) {
    return { refused: true, problem: `no reply: ${String(error)}` }
  }
  const body = await res.text()
  count(`http ${Math.floor(res.status / 100)}xx`)
  if (res.status >= 500) return { refused: true, problem: `${res.status} ${body.slice(0, 200)}` }
  if (res.status < 400) return { refused: false, problem: null }
  if (c.method === 'HEAD') return { refused: true, problem: null }
  if (c.path.startsWith('/v1/')) {
    let code: unknown
    try {
      code = (JSON.parse(body) as { code?: unknown }).code
    } catch {
      code = undefined
    }
    if (!isErrorCode(code))
      return { refused: true, problem: `${res.status} without a problem code: ${body.slice(0, 200)}` }
    count(`code ${code}`)
  } else if (isForm(c.path) && /^\/(api\/)?(send|fetch|ack|admin\/)/.test(c.path)) {
    const error = new URLSearchParams(body).get('error')
    if (!error) return { refused: true, problem: `${res.status} without error=: ${body.slice(0, 200)}` }
  } else if (body.length === 0) {
    return { refused: true, problem: `${res.status} with an empty body` }
  }
  return { refused: true, problem: null }
}

const show = (c: HttpCase): string =>
  `${c.method} ${c.path.slice(0, 120)} [${c.contentType}] origin=${c.origin} body=${JSON.stringify(String(c.body).slice(0, 120))}`

// ---------------------------------------------------------------------------------------------
// WebSocket frames

const frameObject = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.record(
    {
      type: fc.oneof(
        fc.constantFrom('auth', 'subscribe', 'unsubscribe', 'ack', 'acks', 'reject', 'renew', 'ping'),
        text,
      ),
      // Subscriptions only ever name mailboxes outside the pool, so the frames leave it alone.
      receiver: fc
        .oneof(text, fc.constant('x@y'), fc.constant(`${'m'.repeat(256)}@x`))
        .filter((r) => !POOL.includes(r)),
      sub: text,
      mid: keyish,
      lid: keyish,
      token: text,
      leaseTime: durationish,
      prefetch: fc.oneof(fc.integer({ min: -5, max: 1000 }), text),
      delay: durationish,
      batch: fc.oneof(fc.boolean(), text),
      items: fc.oneof(fc.array(fc.record({ mid: keyish, lid: keyish }), { maxLength: 66 }), text),
      ref: fc.oneof(text, fc.jsonValue({ maxDepth: 1 })),
    },
    { requiredKeys: [] },
  ),
)
const frame = fc.oneof(
  { weight: 400, arbitrary: frameObject.map((f) => JSON.stringify(f) ?? 'null') },
  // Past the 8 KiB frame limit: the server closes the socket with 1009.
  {
    weight: 1,
    arbitrary: fc.integer({ min: 8200, max: 20_000 }).map((n) => JSON.stringify({ type: 'x'.repeat(n) })),
  },
  { weight: 40, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 40, arbitrary: rawBytes },
)

/** Opens a socket and resolves after its welcome frame. */
function openSocket(): Promise<{ ws: WebSocket; frames: Record<string, unknown>[] }> {
  const ws = new WebSocket(`${base.replace(/^http/, 'ws')}/v1/ws`, WS_PROTOCOL)
  const frames: Record<string, unknown>[] = []
  ws.on('message', (data) => frames.push(JSON.parse(String(data)) as Record<string, unknown>))
  return new Promise((resolve, reject) => {
    ws.once('error', reject)
    const check = () => {
      if (frames.some((f) => f.type === 'welcome')) resolve({ ws, frames })
      else ws.once('message', check)
    }
    ws.once('message', check)
  })
}

/** Sends `batch` then a ping, and resolves when the pong comes back (or the socket closes). */
function roundTrip(
  ws: WebSocket,
  frames: Record<string, unknown>[],
  batch: (string | Buffer)[],
  ref: string,
) {
  return new Promise<'pong' | number>((resolve) => {
    const timer = setTimeout(() => resolve(-1), 10_000)
    const onMessage = () => {
      if (frames.some((f) => f.type === 'pong' && f.ref === ref)) done('pong')
    }
    const onClose = (code: number) => done(code)
    const done = (r: 'pong' | number) => {
      clearTimeout(timer)
      ws.off('message', onMessage)
      ws.off('close', onClose)
      resolve(r)
    }
    ws.on('message', onMessage)
    ws.once('close', onClose)
    for (const f of batch) ws.send(f, { binary: Buffer.isBuffer(f) })
    ws.send(JSON.stringify({ type: 'ping', ref }))
  })
}

// ---------------------------------------------------------------------------------------------

describe('bad input - generated', () => {
  it(`generated HTTP requests (${HTTP_CASES}) - no 5xx, every refusal a 4xx with a code, refusals change nothing`, {
    timeout: 3_600_000,
  }, async () => {
    const cases = fc.sample(httpCase, HTTP_CASES)
    const problems: string[] = []
    let before = await snapshot()
    for (const c of cases) {
      // A purge of a seeded mailbox is a legitimate success that would empty the pool.
      if (c.method === 'DELETE' && POOL.some((p) => c.path.includes(enc(p)))) continue
      const { refused, problem } = await sendCase(c)
      count('http cases')
      if (problem) problems.push(`${show(c)} → ${problem}`)
      const after = await snapshot()
      if (refused && JSON.stringify(after) !== JSON.stringify(before)) {
        problems.push(`${show(c)} was refused but changed the store`)
      }
      before = after
      if (problems.length >= 20) break
    }
    expect(problems).toEqual([])
    expect((await fetch(`${base}/healthz`)).status).toBe(200)
  })

  it(`generated WebSocket frames (${FRAMES}) - every bad frame gets a coded error, the socket keeps answering`, {
    timeout: 3_600_000,
  }, async () => {
    const before = await snapshot()
    const problems: string[] = []
    let socket = await openSocket()
    const frames = fc.sample(frame, FRAMES)
    const CHUNK = 20
    for (let i = 0; i < frames.length && problems.length < 20; i += CHUNK) {
      const batch = frames.slice(i, i + CHUNK)
      const outcome = await roundTrip(socket.ws, socket.frames, batch, `r${i}`)
      count(outcome === 'pong' ? 'ws frames answered' : 'ws frames sent before a close', batch.length)
      for (const f of socket.frames.splice(0)) {
        if (f.type !== 'error') continue
        count('ws error frames')
        if (!isErrorCode(f.code) || f.code === 'internal') problems.push(`error frame ${JSON.stringify(f)}`)
      }
      if (outcome === 'pong') continue
      // A closed socket must be a deliberate close (policy, too big, protocol), never silence.
      count(`ws sockets closed by the server (${outcome})`)
      if (outcome === -1 || outcome === 1006 || outcome === 1011) {
        problems.push(
          `socket ended with ${outcome} after frames ${i}..${i + CHUNK}: ${JSON.stringify(batch)}`,
        )
      }
      socket.ws.terminate()
      socket = await openSocket()
    }
    socket.ws.close()
    expect(problems).toEqual([])
    const after = await snapshot()
    expect(after.mailboxes).toEqual(before.mailboxes)
    expect(after.deliveries).toEqual(before.deliveries)
    expect((await fetch(`${base}/healthz`)).status).toBe(200)
  })
})
