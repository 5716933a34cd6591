import { PandoraError } from '@pandora/core'
import { HttpResponse, http } from 'msw'
import { setupServer } from 'msw/node'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { PandoraClient } from './client.js'
import { wireMessage } from './testing/fake-server.js'

const BASE = 'http://pandora.test'
const server = setupServer()

beforeAll(() => server.listen({ onUnhandledRequest: 'error' }))
afterEach(() => server.resetHandlers())
afterAll(() => server.close())

const problem = (status: number, code: string, title: string) =>
  HttpResponse.json(
    { type: `https://pandora.dev/errors/${code}`, title, status, code },
    { status, headers: { 'content-type': 'application/problem+json' } },
  )

describe('http', () => {
  it('send - posts the message with sender, delay, clientTime and the bearer token', async () => {
    let seen: { body: unknown; auth: string | null } | undefined
    server.use(
      http.post(`${BASE}/v1/messages`, async ({ request }) => {
        seen = { body: await request.json(), auth: request.headers.get('authorization') }
        return HttpResponse.json({ mid: 'a'.repeat(40), duplicate: false }, { status: 201 })
      }),
    )
    const pandora = new PandoraClient({ url: BASE, token: 't0k' })
    const r = await pandora.send('orders@shop', { sku: 'A1', qty: '2' }, { from: 'web@shop', delay: 5000 })
    expect(r).toEqual({ mid: 'a'.repeat(40), duplicate: false })
    expect(seen?.auth).toBe('Bearer t0k')
    expect(seen?.body).toMatchObject({
      receiver: 'orders@shop',
      sender: 'web@shop',
      fields: { sku: 'A1', qty: '2' },
      delay: 5000,
      clientTime: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    })
  })

  it('send - retries of one call after a 503 reuse its clientTime, so they are idempotent', async () => {
    const times: string[] = []
    server.use(
      http.post(`${BASE}/v1/messages`, async ({ request }) => {
        times.push(((await request.json()) as { clientTime: string }).clientTime)
        if (times.length < 3) return problem(503, 'unavailable', 'service unavailable')
        return HttpResponse.json({ mid: 'b'.repeat(40), duplicate: false })
      }),
    )
    const pandora = new PandoraClient({ url: BASE, from: 'web@shop' })
    await pandora.send('orders@shop', { n: '1' })
    expect(times).toHaveLength(3)
    expect(new Set(times).size).toBe(1)
  })

  it('send - a given clientTime is sent instead of the current time, so a resend is the same body', async () => {
    const bodies: { clientTime: string }[] = []
    server.use(
      http.post(`${BASE}/v1/messages`, async ({ request }) => {
        bodies.push((await request.json()) as { clientTime: string })
        return HttpResponse.json({ mid: 'c'.repeat(40), duplicate: bodies.length > 1 })
      }),
    )
    const pandora = new PandoraClient({ url: BASE, from: 'web@shop' })
    const clientTime = '2024-05-01T12:00:00.000+02:00'
    await pandora.send('orders@shop', { n: '1' }, { clientTime })
    const again = await pandora.send('orders@shop', { n: '1' }, { clientTime })
    await pandora.send('orders@shop', { n: '1' }, { clientTime: new Date('2024-05-01T10:00:00Z') })
    expect(again.duplicate).toBe(true)
    expect(bodies.map((b) => b.clientTime)).toEqual([clientTime, clientTime, '2024-05-01T10:00:00.000Z'])
    expect(bodies[0]).toEqual(bodies[1])
  })

  it('send - an invalid Date as clientTime is refused before it leaves', async () => {
    const pandora = new PandoraClient({ url: BASE, from: 'web@shop' })
    await expect(
      pandora.send('orders@shop', { n: '1' }, { clientTime: new Date('not a time') }),
    ).rejects.toMatchObject({ code: 'invalid_input' })
  })

  it('sendBatch - sends every message with its sender and returns results in order', async () => {
    let body: { messages: { receiver: string; sender: string; delay?: number }[] } | undefined
    server.use(
      http.post(`${BASE}/v1/messages/batch`, async ({ request }) => {
        body = (await request.json()) as typeof body
        return HttpResponse.json({
          results: [
            { mid: 'a'.repeat(40), duplicate: false },
            { mid: 'b'.repeat(40), duplicate: true },
          ],
        })
      }),
    )
    const pandora = new PandoraClient({ url: BASE, from: 'web@shop' })
    const results = await pandora.sendBatch([
      { receiver: 'a@shop', fields: { n: '1' } },
      { receiver: 'b@shop', fields: { n: '2' }, from: 'api@shop', delay: 10 },
    ])
    expect(results.map((r) => r.duplicate)).toEqual([false, true])
    expect(body?.messages.map((m) => [m.receiver, m.sender, m.delay])).toEqual([
      ['a@shop', 'web@shop', undefined],
      ['b@shop', 'api@shop', 10],
    ])
  })

  it('errors - a problem reply becomes a PandoraError with the server code', async () => {
    server.use(
      http.post(`${BASE}/v1/messages`, () =>
        problem(400, 'message_too_big', 'message is too big. max size is 4096'),
      ),
    )
    const pandora = new PandoraClient({ url: BASE, from: 'web@shop' })
    const error = await pandora.send('orders@shop', { big: 'x' }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(PandoraError)
    expect(error).toMatchObject({
      code: 'message_too_big',
      status: 400,
      message: 'message is too big. max size is 4096',
    })
  })

  it('errors - a reply without a problem body maps its HTTP status to a code', async () => {
    server.use(http.get(`${BASE}/v1/mailboxes`, () => new HttpResponse('nope', { status: 401 })))
    const pandora = new PandoraClient({ url: BASE })
    await expect(pandora.mailboxes()).rejects.toMatchObject({ code: 'unauthorized' })
  })

  it('errors - an unknown code from a newer server falls back by status', async () => {
    server.use(http.get(`${BASE}/v1/info`, () => problem(404, 'brand_new_code', 'gone')))
    const pandora = new PandoraClient({ url: BASE })
    await expect(pandora.info()).rejects.toMatchObject({ code: 'not_found', message: 'gone' })
  })

  it('errors - an unreachable server is unavailable', async () => {
    server.use(http.get(`${BASE}/v1/info`, () => HttpResponse.error()))
    const pandora = new PandoraClient({ url: BASE, retries: 0 })
    await expect(pandora.info()).rejects.toMatchObject({ code: 'unavailable' })
  })

  it('errors - a call the browser blocks (refused preflight) names the refusal, found by GET /v1/info', async () => {
    let attempts = 0
    let probe: { auth: string | null } | undefined
    server.use(
      http.post(`${BASE}/v1/messages`, () => {
        attempts++
        return HttpResponse.error() // all a page sees of a refused CORS preflight
      }),
      http.get(`${BASE}/v1/info`, ({ request }) => {
        probe = { auth: request.headers.get('authorization') }
        return problem(403, 'origin_not_allowed', 'origin not allowed')
      }),
    )
    const pandora = new PandoraClient({ url: BASE, token: 't0k', from: 'web@shop' })
    await expect(pandora.send('orders@shop', { a: '1' })).rejects.toMatchObject({
      name: 'PandoraError',
      code: 'origin_not_allowed',
      status: 403,
    })
    expect(attempts).toBe(1) // a refusal is not retried
    expect(probe).toEqual({ auth: null }) // the probe is a simple request: no token, no preflight
  })

  it('errors - an unreachable server is asked why once per call, not after every retry', async () => {
    let attempts = 0
    let probes = 0
    server.use(
      http.post(`${BASE}/v1/messages`, () => {
        attempts++
        return HttpResponse.error()
      }),
      http.get(`${BASE}/v1/info`, () => {
        probes++
        return HttpResponse.error()
      }),
    )
    const pandora = new PandoraClient({ url: BASE, from: 'web@shop', retries: 2 })
    await expect(pandora.send('orders@shop', { a: '1' })).rejects.toMatchObject({ code: 'unavailable' })
    expect(attempts).toBe(3)
    expect(probes).toBe(1)
  })

  it('fetch - returns null when the mailbox has nothing due', async () => {
    server.use(http.post(`${BASE}/v1/mailboxes/:r/fetch`, () => HttpResponse.json({ messages: [] })))
    const pandora = new PandoraClient({ url: BASE })
    expect(await pandora.fetch('orders@shop', { wait: 100 })).toBeNull()
  })

  it('fetch - leases a message whose ack, reject and renew go over HTTP with its lid', async () => {
    const wire = wireMessage({ fields: { sku: ['A1'], tag: ['x', 'y'] } })
    const calls: { path: string; body: unknown }[] = []
    let fetchBody: unknown
    let receiverParam: unknown
    server.use(
      http.post(`${BASE}/v1/mailboxes/:r/fetch`, async ({ request, params }) => {
        fetchBody = await request.json()
        receiverParam = params.r
        return HttpResponse.json({ messages: [wire] })
      }),
      http.post(`${BASE}/v1/messages/:mid/:op`, async ({ request, params }) => {
        calls.push({ path: `${params.mid}/${params.op}`, body: await request.json() })
        if (params.op === 'renew') return HttpResponse.json({ leasedUntil: '2030-01-01T00:00:00.000Z' })
        return HttpResponse.json({ ok: true })
      }),
    )
    const pandora = new PandoraClient({ url: BASE })
    const msg = await pandora.fetch('orders@shop', { leaseTime: 30_000 })
    expect(receiverParam).toBe('orders@shop')
    expect(fetchBody).toEqual({ leaseTime: 30_000, max: 1 })
    expect(msg?.fields.get('tag')).toBe('x')
    expect(msg?.fields.getAll('tag')).toEqual(['x', 'y'])
    expect(msg?.fields.toJSON()).toEqual({ sku: ['A1'], tag: ['x', 'y'] })
    expect(msg?.deliveryCount).toBe(1)
    const until = await msg?.renew(30_000)
    expect(until?.toISOString()).toBe('2030-01-01T00:00:00.000Z')
    expect(msg?.leasedUntil.toISOString()).toBe('2030-01-01T00:00:00.000Z')
    await msg?.reject({ delay: 1000 })
    expect(calls).toEqual([
      { path: `${wire.mid}/renew`, body: { lid: wire.lid, leaseTime: 30_000 } },
      { path: `${wire.mid}/reject`, body: { lid: wire.lid, delay: 1000 } },
    ])
  })

  it('content type - every request with a JSON body says application/json; bodiless ones say nothing', async () => {
    // The server refuses JSON bodies of any other type (a cross-site form cannot send this one).
    const seen: string[] = []
    const wire = wireMessage()
    server.use(
      http.all(`${BASE}/*`, async ({ request }) => {
        const text = await request.text()
        seen.push(`${request.method} ${text ? 'body' : 'none'} ${request.headers.get('content-type')}`)
        const path = new URL(request.url).pathname
        if (path.endsWith('/fetch')) return HttpResponse.json({ messages: [wire] })
        if (path === '/v1/messages') return HttpResponse.json({ mid: 'a'.repeat(40), duplicate: false })
        if (path === '/v1/messages/batch') return HttpResponse.json({ results: [] })
        if (request.method === 'DELETE' || path.endsWith('/redrive')) return HttpResponse.json({ count: 0 })
        return HttpResponse.json({ ok: true })
      }),
    )
    const pandora = new PandoraClient({ url: BASE, from: 'web@shop' })
    await pandora.send('orders@shop', { a: '1' })
    await pandora.sendBatch([])
    const msg = await pandora.fetch('orders@shop')
    await msg?.ack()
    await pandora.redrive('orders@shop')
    await pandora.purge('orders@shop')
    expect(seen).toEqual([...Array(5).fill('POST body application/json'), 'DELETE none null'])
  })

  it('fetch - an invalid reply is reported rather than trusted', async () => {
    server.use(
      http.post(`${BASE}/v1/mailboxes/:r/fetch`, () => HttpResponse.json({ messages: [{ mid: 1 }] })),
    )
    const pandora = new PandoraClient({ url: BASE })
    await expect(pandora.fetch('orders@shop')).rejects.toMatchObject({ code: 'internal' })
  })

  it('admin - headers sends since and limit and returns dates', async () => {
    let url: URL | undefined
    const header = { ...wireMessage(), fields: undefined, lid: undefined }
    server.use(
      http.get(`${BASE}/v1/mailboxes/:r/headers`, ({ request }) => {
        url = new URL(request.url)
        return HttpResponse.json({ headers: [{ ...header, leasedUntil: null }] })
      }),
    )
    const pandora = new PandoraClient({ url: BASE })
    const since = new Date('2024-01-01T00:00:00Z')
    const [h] = await pandora.headers('orders@shop', { since, limit: 5 })
    expect(url?.searchParams.get('since')).toBe(since.toISOString())
    expect(url?.searchParams.get('limit')).toBe('5')
    expect(url?.searchParams.has('order')).toBe(false)
    await pandora.headers('orders@shop', { order: 'desc', limit: 50 })
    expect(url?.searchParams.get('order')).toBe('desc')
    expect(url?.searchParams.get('limit')).toBe('50')
    expect(h?.receivedAt).toBeInstanceOf(Date)
    expect(h?.leasedUntil).toBeNull()
  })

  it('admin - redrive, purge and info use their endpoints', async () => {
    server.use(
      http.post(`${BASE}/v1/mailboxes/:r/redrive`, async ({ request }) =>
        HttpResponse.json({ count: ((await request.json()) as { mids: string[] }).mids.length }),
      ),
      http.delete(`${BASE}/v1/mailboxes/:r`, () => HttpResponse.json({ count: 7 })),
      http.get(`${BASE}/v1/info`, () =>
        HttpResponse.json({
          version: '0.1.0',
          maxSize: 4096,
          authRequired: false,
          store: 'memory',
          serverTime: '2030-01-01T00:00:00.000Z',
        }),
      ),
    )
    const pandora = new PandoraClient({ url: BASE })
    expect(await pandora.redrive('orders@shop', ['a'.repeat(40), 'b'.repeat(40)])).toBe(2)
    expect(await pandora.purge('orders@shop')).toBe(7)
    expect(await pandora.info()).toEqual({
      version: '0.1.0',
      maxSize: 4096,
      authRequired: false,
      store: 'memory',
      serverTime: new Date('2030-01-01T00:00:00.000Z'),
    })
  })

  it('info - a server that does not say its store is still read, without one', async () => {
    server.use(
      http.get(`${BASE}/v1/info`, () =>
        HttpResponse.json({ version: '0.0.9', maxSize: 4096, authRequired: true }),
      ),
    )
    const info = await new PandoraClient({ url: BASE }).info()
    expect(info).toMatchObject({ version: '0.0.9', authRequired: true })
    expect('store' in info).toBe(false)
  })

  it('info - a server without serverTime is taken to share the local clock; a bad one is refused', async () => {
    const reply = { version: '0.1.0', maxSize: 4096, authRequired: false }
    let serverTime: unknown
    server.use(http.get(`${BASE}/v1/info`, () => HttpResponse.json({ ...reply, serverTime })))
    const pandora = new PandoraClient({ url: BASE })
    const before = Date.now()
    const old = await pandora.info()
    expect(old.serverTime.getTime()).toBeGreaterThanOrEqual(before)
    expect(old.serverTime.getTime()).toBeLessThanOrEqual(Date.now())
    serverTime = 'yesterday'
    await expect(pandora.info()).rejects.toMatchObject({ code: 'internal' })
  })
})
