import {
  infoResponseSchema,
  JSON_ROUTES,
  type JsonRoute,
  type JsonRouteId,
  openMemoryStore,
  routePath,
} from '@pandora/core'
import { afterEach, describe, expect, it } from 'vitest'
import { json, STORE_KINDS, startServer, uniqueMailbox } from '../../../../test-support/server.js'
import type { PandoraServer } from '../create-server.js'
import { createServer } from '../create-server.js'

let server: PandoraServer
afterEach(async () => server?.close())
const v1 = (path: string) => `${server.url}/v1${path}`
const mbox = (name: string) => encodeURIComponent(name)

describe.each(STORE_KINDS)('JSON API (%s store)', (kind) => {
  it('send, fetch, ack - the whole cycle with JSON', async () => {
    server = await startServer({ kind })
    const box = uniqueMailbox()
    const sent = await json(v1('/messages'), 'POST', {
      sender: 'a@test',
      receiver: box,
      fields: { sku: 'A1', tags: ['x', 'y'] },
    })
    expect(sent.status).toBe(201)
    expect(sent.body).toMatchObject({ duplicate: false })
    const fetched = await json(v1(`/mailboxes/${mbox(box)}/fetch`), 'POST', { leaseTime: 30_000 })
    const [m] = fetched.body.messages as {
      mid: string
      lid: string
      fields: Record<string, string[]>
      statusName: string
    }[]
    expect(m).toMatchObject({ mid: sent.body.mid, statusName: 'notDelivered' })
    expect(m!.fields.tags).toEqual(['x', 'y'])
    const acked = await json(v1(`/messages/${m!.mid}/ack`), 'POST', { lid: m!.lid })
    expect(acked).toMatchObject({ status: 200, body: { ok: true } })
    const stats = await json(v1(`/mailboxes/${mbox(box)}`), 'GET')
    expect(stats.body).toMatchObject({ receiver: box, pending: 0, confirmed: 1 })
    // The list (on SQLite serialized by the store's read worker) holds the same counts.
    const list = await json(v1('/mailboxes'), 'GET')
    expect(list.status).toBe(200)
    expect(list.body.mailboxes).toContainEqual(stats.body)
  })

  it('send - a duplicate body answers 200 with duplicate: true', async () => {
    server = await startServer({ kind })
    const body = {
      sender: 'a@test',
      receiver: uniqueMailbox(),
      fields: { k: 'v' },
      clientTime: '2024-01-01T00:00:00Z',
    }
    const a = await json(v1('/messages'), 'POST', body)
    const b = await json(v1('/messages'), 'POST', body)
    expect(b).toMatchObject({ status: 200, body: { mid: a.body.mid, duplicate: true } })
  })

  it('batch - sends many at once; one bad message refuses the batch', async () => {
    server = await startServer({ kind })
    const box = uniqueMailbox()
    const messages = Array.from({ length: 10 }, (_, i) => ({
      sender: 'a@test',
      receiver: box,
      fields: { i: String(i) },
    }))
    const ok = await json(v1('/messages/batch'), 'POST', { messages })
    expect((ok.body.results as unknown[]).length).toBe(10)
    const bad = await json(v1('/messages/batch'), 'POST', {
      messages: [...messages, { sender: 'a@test', receiver: '', fields: {} }],
    })
    expect(bad.status).toBe(400)
    expect(bad.body.code).toBe('invalid_mailbox')
    expect((await server.store.stats(box)).pending).toBe(10)
  })

  it('fetch - a long poll returns as soon as a message arrives', async () => {
    server = await startServer({ kind })
    const box = uniqueMailbox()
    const polling = json(v1(`/mailboxes/${mbox(box)}/fetch`), 'POST', { wait: 10_000 })
    // The fetch is waiting; a send must answer it long before its 10 s are up.
    await new Promise((r) => setTimeout(r, 50))
    const started = Date.now()
    await json(v1('/messages'), 'POST', { sender: 'a@test', receiver: box, fields: { now: '1' } })
    const res = await polling
    expect(Date.now() - started).toBeLessThan(5000)
    expect((res.body.messages as unknown[]).length).toBe(1)
  })

  it('fetch - a long poll with nothing to give answers an empty list after its wait', async () => {
    server = await startServer({ kind })
    const res = await json(v1(`/mailboxes/${mbox(uniqueMailbox())}/fetch`), 'POST', { wait: 200, max: 5 })
    expect(res).toMatchObject({ status: 200, body: { messages: [] } })
  })

  it('reject with delay, renew, dead letters, redrive, purge', async () => {
    server = await startServer({ kind })
    const box = uniqueMailbox()
    await json(v1('/messages'), 'POST', { sender: 'a@test', receiver: box, fields: {} })
    const [m] = (await json(v1(`/mailboxes/${mbox(box)}/fetch`), 'POST', {})).body.messages as {
      mid: string
      lid: string
    }[]
    const renewed = await json(v1(`/messages/${m!.mid}/renew`), 'POST', { lid: m!.lid, leaseTime: 60_000 })
    expect(Date.parse(renewed.body.leasedUntil as string)).toBeGreaterThan(Date.now() + 50_000)
    await json(v1(`/messages/${m!.mid}/reject`), 'POST', { lid: m!.lid, delay: 60_000 })
    expect((await json(v1(`/mailboxes/${mbox(box)}`), 'GET')).body).toMatchObject({ delayed: 1 })
    const headers = await json(v1(`/mailboxes/${mbox(box)}/headers?limit=10`), 'GET')
    expect(headers.body.headers).toMatchObject([{ mid: m!.mid, statusName: 'rejected', deliveryCount: 1 }])
    const detail = await json(v1(`/messages/${m!.mid}`), 'GET')
    expect(detail.body).toMatchObject({ mid: m!.mid, fields: { sender: ['a@test'] } })
    expect((await json(v1(`/mailboxes/${mbox(box)}/dead`), 'GET')).body).toEqual({ headers: [] })
    expect((await json(v1(`/mailboxes/${mbox(box)}/redrive`), 'POST', {})).body).toEqual({ count: 0 })
    expect((await json(v1(`/mailboxes/${mbox(box)}`), 'DELETE')).body).toEqual({ count: 1 })
    expect((await json(v1('/mailboxes'), 'GET')).body.mailboxes).toEqual([])
  })

  it('headers - order=desc lists newest first and limit keeps the newest', async () => {
    server = await startServer({ kind })
    const box = uniqueMailbox()
    const mids: string[] = []
    for (const i of [1, 2, 3]) {
      const sent = await json(v1('/messages'), 'POST', {
        sender: 'a@test',
        receiver: box,
        fields: { i: String(i) },
      })
      mids.push(sent.body.mid as string)
    }
    const list = async (qs: string) =>
      ((await json(v1(`/mailboxes/${mbox(box)}/headers${qs}`), 'GET')).body.headers as { mid: string }[]).map(
        (h) => h.mid,
      )
    expect(await list('')).toEqual(mids)
    expect(await list('?order=asc&limit=2')).toEqual(mids.slice(0, 2))
    expect(await list('?order=desc')).toEqual([...mids].reverse())
    expect(await list('?order=desc&limit=2')).toEqual([mids[2], mids[1]])
    const bad = await json(v1(`/mailboxes/${mbox(box)}/headers?order=newest`), 'GET')
    expect(bad).toMatchObject({ status: 400, body: { code: 'invalid_input' } })
  })

  it("info - tells the server's clock as serverTime", async () => {
    server = await startServer({ kind })
    const before = Date.now()
    const info = await json(v1('/info'), 'GET')
    const after = Date.now()
    expect(info.status).toBe(200)
    const serverTime = info.body.serverTime as string
    expect(serverTime).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/)
    // Same machine, same clock: the stamp falls within the request.
    expect(Date.parse(serverTime)).toBeGreaterThanOrEqual(before)
    expect(Date.parse(serverTime)).toBeLessThanOrEqual(after)
  })

  it('errors - problem details with stable codes; nothing changes', async () => {
    server = await startServer({ kind })
    const box = uniqueMailbox()
    const cases: [string, string, unknown, number, string][] = [
      ['/messages', 'POST', { sender: 'a@test', receiver: 'x\u0001', fields: {} }, 400, 'invalid_mailbox'],
      [
        '/messages',
        'POST',
        { sender: 'a@test', receiver: box, fields: { big: 'x'.repeat(5000) } },
        400,
        'message_too_big',
      ],
      ['/messages', 'POST', { sender: 'a@test', receiver: box }, 400, 'invalid_input'],
      ['/messages', 'POST', { sender: 'a@test', receiver: box, fields: {}, delay: -1 }, 400, 'invalid_input'],
      [`/mailboxes/${mbox(box)}/fetch`, 'POST', { leaseTime: 10 }, 400, 'invalid_input'],
      [`/messages/${'a'.repeat(40)}/ack`, 'POST', { lid: 'b'.repeat(40) }, 400, 'unable_to_change_status'],
      [`/messages/abc/ack`, 'POST', { lid: 'b'.repeat(40) }, 400, 'input_too_short'],
      [`/messages/${'a'.repeat(40)}`, 'GET', undefined, 404, 'not_found'],
      ['/nothing', 'GET', undefined, 404, 'not_found'],
      ['/messages', 'GET', undefined, 405, 'method_not_allowed'],
    ]
    for (const [path, method, body, status, code] of cases) {
      const res = await json(v1(path), method, body)
      expect({ path, status: res.status, code: res.body.code }).toEqual({ path, status, code })
      expect(res.headers.get('content-type')).toContain('application/problem+json')
    }
    const notJson = await fetch(v1('/messages'), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{oops',
    })
    expect(notJson.status).toBe(400)
    const wrongType = await fetch(v1('/messages'), {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: 'x',
    })
    expect(wrongType.status).toBe(415)
    const huge = await fetch(v1('/messages'), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: 'x'.repeat(200_000),
    })
    expect(huge.status).toBe(413)
    expect(await server.store.mailboxes()).toEqual([])
  })

  it('openapi - served, and lists every JSON route', async () => {
    server = await startServer({ kind })
    const doc = await json(v1('/openapi.json'), 'GET')
    expect(doc.body.openapi).toBe('3.1.0')
    expect(Object.keys(doc.body.paths as object)).toEqual(
      expect.arrayContaining(['/v1/messages', '/v1/mailboxes/{receiver}/fetch', '/v1/messages/{mid}/renew']),
    )
    expect((doc.body.components as { schemas: object }).schemas).toHaveProperty('SendRequest')
  })

  it('mailboxes - a list longer than one slice arrives whole, in order, as one JSON document', async () => {
    server = await startServer({ kind })
    const tag = uniqueMailbox().split('@')[0]
    const names = Array.from({ length: 1234 }, (_, i) => `${tag}-${String(i).padStart(4, '0')}@test`)
    for (let i = 0; i < names.length; i += 256) {
      const res = await json(v1('/messages/batch'), 'POST', {
        messages: names.slice(i, i + 256).map((receiver) => ({ sender: 'a@test', receiver, fields: {} })),
      })
      expect(res.status).toBe(200)
    }
    const res = await json(v1('/mailboxes'), 'GET')
    expect(res.status).toBe(200)
    const listed = (res.body as { mailboxes: { receiver: string; pending: number }[] }).mailboxes
    expect(listed.map((m) => m.receiver)).toEqual(names)
    expect(listed.every((m) => m.pending === 1)).toBe(true)
  })

  it('health, readiness and metrics', async () => {
    server = await startServer({ kind })
    const box = uniqueMailbox()
    expect((await json(`${server.url}/healthz`, 'GET')).status).toBe(200)
    expect((await json(`${server.url}/readyz`, 'GET')).body).toMatchObject({ status: 'ready' })
    await json(v1('/messages'), 'POST', { sender: 'a@test', receiver: box, fields: {} })
    const text = await (await fetch(`${server.url}/metrics`)).text()
    expect(text).toMatch(/pandora_messages_sent_total 1/)
    expect(text).toContain('pandora_messages{state="pending"} 1')
    expect(text).toContain('pandora_mailboxes 1')
    // Bounded labels: no series names a mailbox.
    expect(text).not.toContain(box)
    expect(text).toMatch(/pandora_http_request_duration_seconds_bucket\{.*route="\/v1\/messages"/)
    expect(text).toContain('pandora_subscribers_connected 0')
  })

  it.runIf(kind === 'sqlite')(
    'metrics - group commit: commits, fsyncs and the durable writes they covered',
    async () => {
      server = await startServer({ kind })
      const box = uniqueMailbox()
      // Three sends in one tick: one transaction, one fsync for all three.
      await Promise.all(
        ['1', '2', '3'].map((i) =>
          json(v1('/messages'), 'POST', { sender: 'a@test', receiver: box, fields: { i } }),
        ),
      )
      const text = await (await fetch(`${server.url}/metrics`)).text()
      const value = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1])
      expect(value('pandora_store_durable_writes_total')).toBe(3)
      expect(value('pandora_store_fsyncs_total')).toBeGreaterThanOrEqual(1)
      expect(value('pandora_store_fsyncs_total')).toBeLessThanOrEqual(3)
      expect(value('pandora_store_commits_total')).toBeGreaterThanOrEqual(value('pandora_store_fsyncs_total'))
    },
  )
})

describe('JSON API route table', () => {
  it('routes - every route of the wire contract is mounted at its method and path; /v1/info matches its schema', async () => {
    server = await startServer()
    const params = { receiver: uniqueMailbox(), mid: 'a'.repeat(40) }
    for (const [id, route] of Object.entries(JSON_ROUTES) as [JsonRouteId, JsonRoute][]) {
      const res = await fetch(`${server.url}${routePath(id, params)}`, {
        method: route.method,
        ...(route.body ? { headers: { 'content-type': 'application/json' }, body: '{}' } : {}),
      })
      const text = await res.text()
      // A missing route is a 404 "no route …" or a 405; anything else means a handler answered.
      expect(`${route.method} ${route.path} ${res.status} ${text}`).not.toMatch(/ 405 |no route/)
    }
    const info = await json(v1('/info'), 'GET')
    expect(infoResponseSchema.parse(info.body)).toMatchObject({ store: 'memory', authRequired: false })
  })
})

describe('server and store limits', () => {
  it("limits - the server announces and enforces the store's maxSize; a different maxSize option is refused", async () => {
    const store = await openMemoryStore({ maxSize: 512 })
    await expect(createServer({ store, port: 0, logger: false, maxSize: 4096 })).rejects.toMatchObject({
      code: 'invalid_input',
    })
    server = await startServer({ store })
    expect((await json(v1('/info'), 'GET')).body.maxSize).toBe(512)
    const big = await json(v1('/messages'), 'POST', {
      sender: 'a@test',
      receiver: uniqueMailbox(),
      fields: { x: 'y'.repeat(600) },
    })
    expect(big.status).toBe(400)
    expect(big.body.code).toBe('message_too_big')
  })
})
