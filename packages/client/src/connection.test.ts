import { HttpResponse, http } from 'msw'
import { setupServer } from 'msw/node'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { PandoraClient } from './client.js'
import type { ConnectionState } from './connection.js'
import { MemoryHub } from './memory-transport.js'
import { autoReply, welcomeFrame, wireMessage } from './testing/fake-server.js'

// When a socket cannot open, the client asks GET /v1/info why: by default the server answers it,
// so the failure is taken for a network problem and retried.
const info = { version: '0.1.0', maxSize: 4096, authRequired: false, store: 'memory' }
const probes: string[] = []
const http$ = setupServer(
  http.get('*/v1/info', ({ request }) => {
    probes.push(request.url)
    return HttpResponse.json(info)
  }),
)
beforeAll(() => http$.listen({ onUnhandledRequest: 'error' }))
afterEach(() => {
  http$.resetHandlers()
  probes.length = 0
})
afterAll(() => http$.close())

const refusal = (status: number, code: string, title: string) =>
  HttpResponse.json(
    { type: `https://pandora.dev/errors/${code}`, title, status, code },
    { status, headers: { 'content-type': 'application/problem+json' } },
  )

describe('connection', () => {
  it('connection - one socket serves every subscription', async () => {
    const hub = new MemoryHub()
    const client = new PandoraClient({ url: 'http://pandora.test', transport: hub.transport })
    const a = client.subscribe('a@shop', () => {})
    const b = client.subscribe('b@shop', () => {})
    const conn = await hub.nextConnection()
    autoReply(conn)
    await Promise.all([a.ready, b.ready])
    expect(hub.attempts).toBe(1)
    expect(conn.url).toBe('ws://pandora.test/v1/ws')
    expect(conn.protocol).toBe('pandora.v1')
    await client.close()
  })

  it('connection - reports states, reconnects after a drop with backoff and resubscribes', async () => {
    const hub = new MemoryHub()
    const client = new PandoraClient({
      url: 'https://pandora.test/base',
      transport: hub.transport,
      reconnect: { initialDelay: 10, maxDelay: 40, jitter: 0 },
    })
    const states: ConnectionState[] = []
    const delays: number[] = []
    client.on('state', (s) => states.push(s))
    client.on('reconnect', (e) => delays.push(e.delay))
    const handled: string[] = []
    const sub = client.subscribe('orders@shop', (m) => {
      handled.push(m.mid)
    })
    const first = await hub.nextConnection()
    expect(first.url).toBe('wss://pandora.test/base/v1/ws')
    autoReply(first)
    await sub.ready
    hub.refuse = true
    first.drop()
    await vi.waitFor(() => expect(delays.length).toBeGreaterThanOrEqual(3))
    hub.refuse = false
    const second = await hub.nextConnection()
    autoReply(second)
    const resub = await second.waitFor('subscribe')
    expect(resub).toMatchObject({ sub: sub.id, receiver: 'orders@shop' })
    const wire = wireMessage()
    second.push({ type: 'message', sub: sub.id, message: wire })
    await second.waitFor('ack')
    expect(handled).toEqual([wire.mid])
    expect(delays.slice(0, 3)).toEqual([10, 20, 40])
    expect(states.slice(0, 3)).toEqual(['connecting', 'open', 'reconnecting'])
    expect(states.at(-1)).toBe('open')
    await client.close()
    expect(states.at(-1)).toBe('closed')
  })

  it('connection - a successful reconnect resets the backoff', async () => {
    const hub = new MemoryHub()
    const client = new PandoraClient({
      url: 'http://pandora.test',
      transport: hub.transport,
      reconnect: { initialDelay: 5, jitter: 0 },
    })
    const delays: number[] = []
    client.on('reconnect', (e) => delays.push(e.delay))
    const sub = client.subscribe('orders@shop', () => {})
    autoReply(await hub.nextConnection())
    await sub.ready
    hub.connections[0]?.drop()
    autoReply(await hub.nextConnection())
    await vi.waitFor(() => expect(client.state).toBe('open'))
    hub.connections[1]?.drop()
    autoReply(await hub.nextConnection())
    await vi.waitFor(() => expect(client.state).toBe('open'))
    expect(delays).toEqual([5, 5])
    await client.close()
  })

  it('connection - sends the token in an auth frame when the server asks', async () => {
    const hub = new MemoryHub()
    const client = new PandoraClient({
      url: 'http://pandora.test',
      transport: hub.transport,
      token: 's3cret',
    })
    const opening = client.connect()
    const conn = await hub.nextConnection()
    conn.push(welcomeFrame({ authRequired: true }))
    const auth = await conn.next()
    expect(auth).toMatchObject({ type: 'auth', token: 's3cret' })
    conn.push({ type: 'authenticated', ref: auth.ref as string })
    await opening
    expect(client.state).toBe('open')
    autoReply(conn, { welcome: false })
    await client.close()
  })

  it('connection - a refused token is final: the client closes and reports unauthorized', async () => {
    const hub = new MemoryHub()
    const client = new PandoraClient({ url: 'http://pandora.test', transport: hub.transport, token: 'bad' })
    const errors: unknown[] = []
    client.on('error', (e) => errors.push(e))
    const opening = client.connect()
    const conn = await hub.nextConnection()
    conn.push(welcomeFrame({ authRequired: true }))
    const auth = await conn.next()
    conn.push({ type: 'error', ref: auth.ref as string, code: 'unauthorized', message: 'unauthorized' })
    await expect(opening).rejects.toMatchObject({ code: 'unauthorized' })
    expect(client.state).toBe('failed')
    expect(errors).toEqual([expect.objectContaining({ code: 'unauthorized' })])
    expect(hub.attempts).toBe(1)
  })

  it('connection - a refused origin is final: failed, one typed error, no retries, subscriptions told', async () => {
    const hub = new MemoryHub()
    hub.refuse = true // what a browser sees of a 403 upgrade: the socket just does not open
    http$.use(
      http.get('http://pandora.test/v1/info', ({ request }) => {
        probes.push(request.url)
        return refusal(403, 'origin_not_allowed', 'origin not allowed')
      }),
    )
    const client = new PandoraClient({
      url: 'http://pandora.test',
      transport: hub.transport,
      reconnect: { initialDelay: 1, jitter: 0 },
    })
    const errors: unknown[] = []
    const states: ConnectionState[] = []
    const subErrors: unknown[] = []
    client.on('error', (e) => errors.push(e))
    client.on('state', (s) => states.push(s))
    const sub = client.subscribe('orders@shop', () => {}, { onError: (e) => subErrors.push(e) })
    const refused = { name: 'PandoraError', code: 'origin_not_allowed', status: 403 }
    await expect(sub.ready).rejects.toMatchObject(refused)
    await expect(client.connect()).rejects.toMatchObject(refused)
    expect(client.state).toBe('failed')
    expect(states).toEqual(['connecting', 'failed'])
    expect(errors).toEqual([expect.objectContaining(refused)])
    expect(subErrors).toEqual([expect.objectContaining(refused)])
    expect(hub.attempts).toBe(1)
    expect(probes).toEqual(['http://pandora.test/v1/info'])
    expect(() => client.subscribe('orders@shop', () => {})).toThrow(expect.objectContaining(refused))
    await client.close()
    expect(client.state).toBe('failed')
  })

  it('connection - a refused host is final too, and a loop over messages() ends with it', async () => {
    const hub = new MemoryHub()
    hub.refuse = true
    http$.use(
      http.get('http://pandora.test/v1/info', () => refusal(421, 'host_not_allowed', 'host not allowed')),
    )
    const client = new PandoraClient({ url: 'http://pandora.test', transport: hub.transport })
    const errors: unknown[] = []
    client.on('error', (e) => errors.push(e))
    const loop = (async () => {
      for await (const _ of client.messages('orders@shop')) {
        // nothing arrives
      }
    })()
    await expect(loop).rejects.toMatchObject({ code: 'host_not_allowed', status: 421 })
    expect(errors).toHaveLength(1)
    expect(client.state).toBe('failed')
  })

  it('connection - a socket that cannot open while HTTP answers is retried, not failed', async () => {
    const hub = new MemoryHub()
    hub.refuse = true
    const client = new PandoraClient({
      url: 'http://pandora.test',
      transport: hub.transport,
      reconnect: { initialDelay: 1, jitter: 0 },
    })
    const reconnects: number[] = []
    client.on('reconnect', (e) => reconnects.push(e.attempt))
    const opening = client.connect()
    await vi.waitFor(() => expect(reconnects.length).toBeGreaterThanOrEqual(2))
    expect(client.state).toBe('reconnecting')
    hub.refuse = false
    autoReply(await hub.nextConnection())
    await opening
    expect(client.state).toBe('open')
    await client.close()
  })

  it('connection - gives up after maxAttempts failed attempts', async () => {
    const hub = new MemoryHub()
    hub.refuse = true
    const client = new PandoraClient({
      url: 'http://pandora.test',
      transport: hub.transport,
      reconnect: { initialDelay: 1, maxAttempts: 3 },
    })
    await expect(client.connect()).rejects.toMatchObject({ code: 'connection_lost' })
    expect(hub.attempts).toBe(4)
    expect(client.state).toBe('failed')
  })

  it('connection - a server that stays down is probed over HTTP ever more rarely, not on every attempt', async () => {
    const hub = new MemoryHub()
    hub.refuse = true
    let probes = 0
    http$.use(
      http.get('http://pandora.test/v1/info', () => {
        probes++
        return HttpResponse.error()
      }),
    )
    const client = new PandoraClient({
      url: 'http://pandora.test',
      transport: hub.transport,
      reconnect: { initialDelay: 1, maxDelay: 1, maxAttempts: 8 },
    })
    await expect(client.connect()).rejects.toMatchObject({ code: 'connection_lost' })
    expect(hub.attempts).toBe(9)
    // After the 1st, 2nd, 3rd, 5th and 9th failure in a row (failures 0, 1, 2, 4, 8 before them).
    expect(probes).toBe(5)
  })

  it('connection - a dropped socket fails acks in flight with connection_lost', async () => {
    const hub = new MemoryHub()
    const client = new PandoraClient({ url: 'http://pandora.test', transport: hub.transport })
    const errors: unknown[] = []
    let dropped!: () => void
    const sub = client.subscribe(
      'orders@shop',
      () => {
        dropped()
      },
      { onError: (e) => errors.push(e) },
    )
    const conn = await hub.nextConnection()
    conn.push(welcomeFrame())
    const s = await conn.next()
    conn.push({ type: 'subscribed', sub: s.type === 'subscribe' ? s.sub : '', ref: s.ref as string })
    await sub.ready
    dropped = () => conn.drop()
    conn.push({ type: 'message', sub: sub.id, message: wireMessage() })
    await vi.waitFor(() => expect(errors).toHaveLength(1))
    expect(errors[0]).toMatchObject({ code: 'connection_lost' })
    await client.close({ timeout: 10 })
  })

  it('connection - a silent server is detected by the heartbeat and the client reconnects', async () => {
    const hub = new MemoryHub()
    const client = new PandoraClient({
      url: 'http://pandora.test',
      transport: hub.transport,
      heartbeat: 20,
      reconnect: { initialDelay: 5 },
    })
    const sub = client.subscribe('orders@shop', () => {})
    const silent = await hub.nextConnection()
    silent.push(welcomeFrame())
    const s = await silent.next()
    if (s.type !== 'subscribe') throw new Error(`expected subscribe, got ${s.type}`)
    silent.push({ type: 'subscribed', sub: s.sub, ref: s.ref as string })
    await sub.ready
    // From here on the first server answers nothing, not even pings.
    const next = await hub.nextConnection()
    autoReply(next)
    expect(await next.waitFor('subscribe')).toMatchObject({ sub: sub.id })
    expect(silent.received.some((f) => f.type === 'ping')).toBe(true)
    expect(silent.closed).toBe(true)
    await client.close()
  })
})
