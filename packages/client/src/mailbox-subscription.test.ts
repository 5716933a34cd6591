import { PandoraError } from '@pandora/core'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { PandoraClient } from './client.js'
import { MemoryHub } from './memory-transport.js'
import type { Message } from './message.js'
import { autoReply, wireMessage } from './testing/fake-server.js'

function setup() {
  const hub = new MemoryHub()
  const client = new PandoraClient({ url: 'http://pandora.test', transport: hub.transport })
  return { hub, client }
}

const deferred = <T = void>() => {
  let resolve!: (v: T) => void
  const promise = new Promise<T>((r) => {
    resolve = r
  })
  return { promise, resolve }
}

describe('subscribe', () => {
  afterEach(() => vi.useRealTimers())

  it('subscribe - a handler that resolves gets its message acked on the socket', async () => {
    const { hub, client } = setup()
    const seen: Message[] = []
    const sub = client.subscribe('orders@shop', (msg) => {
      seen.push(msg)
    })
    const conn = await hub.nextConnection()
    autoReply(conn)
    await sub.ready
    const subscribe = conn.received.find((f) => f.type === 'subscribe')
    expect(subscribe).toMatchObject({ receiver: 'orders@shop', prefetch: 8, leaseTime: 30_000 })
    const wire = wireMessage()
    conn.push({ type: 'message', sub: sub.id, message: wire })
    const ack = await conn.waitFor('ack')
    expect(ack).toMatchObject({ mid: wire.mid, lid: wire.lid })
    expect(seen[0]?.fields.get('sku')).toBe('A1')
    expect(seen[0]?.receivedAt).toBeInstanceOf(Date)
    await client.close()
  })

  it('subscribe - a throwing handler gets its message rejected with an exponential delay', async () => {
    const { hub, client } = setup()
    const errors: unknown[] = []
    const sub = client.subscribe(
      'orders@shop',
      () => {
        throw new Error('boom')
      },
      { onError: (e) => errors.push(e), retryDelay: { initialDelay: 100, maxDelay: 10_000 } },
    )
    const conn = await hub.nextConnection()
    autoReply(conn)
    await sub.ready
    conn.push({ type: 'message', sub: sub.id, message: wireMessage({ deliveryCount: 3 }) })
    const reject = await conn.waitFor('reject')
    expect(reject.delay).toBe(400)
    expect(errors).toEqual([expect.objectContaining({ message: 'boom' })])
    expect(conn.received.some((f) => f.type === 'ack')).toBe(false)
    await client.close()
  })

  it('subscribe - autoAck false leaves settling to the handler', async () => {
    const { hub, client } = setup()
    const got = deferred<Message>()
    const sub = client.subscribe('orders@shop', (msg) => got.resolve(msg), { autoAck: false })
    const conn = await hub.nextConnection()
    autoReply(conn)
    await sub.ready
    conn.push({ type: 'message', sub: sub.id, message: wireMessage() })
    const msg = await got.promise
    await new Promise((r) => setTimeout(r, 0))
    expect(conn.received.filter((f) => f.type === 'ack' || f.type === 'reject')).toEqual([])
    await msg.reject({ delay: 1000 })
    expect(conn.received.at(-1)).toMatchObject({ type: 'reject', delay: 1000, mid: msg.mid })
    expect(msg.settlement).toBe('rejected')
    await expect(msg.ack()).rejects.toMatchObject({ code: 'unable_to_change_status' })
    await client.close()
  })

  it('subscribe - a slow handler has its lease renewed and is acked once', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] })
    const { hub, client } = setup()
    const release = deferred()
    const sub = client.subscribe('orders@shop', () => release.promise, { leaseTime: 2_000 })
    const conn = await hub.nextConnection()
    autoReply(conn)
    await sub.ready
    conn.push({ type: 'message', sub: sub.id, message: wireMessage() })
    await vi.advanceTimersByTimeAsync(5_500)
    const renews = conn.received.filter((f) => f.type === 'renew')
    expect(renews.length).toBe(5)
    expect(renews[0]).toMatchObject({ leaseTime: 2_000 })
    release.resolve()
    await conn.waitFor('ack')
    await vi.advanceTimersByTimeAsync(10_000)
    expect(conn.received.filter((f) => f.type === 'renew').length).toBe(5)
    expect(conn.received.filter((f) => f.type === 'ack').length).toBe(1)
    await client.close()
  })

  it('subscribe - close waits for running handlers, then unsubscribes', async () => {
    const { hub, client } = setup()
    const started = deferred()
    const release = deferred()
    const sub = client.subscribe('orders@shop', async () => {
      started.resolve()
      await release.promise
    })
    const conn = await hub.nextConnection()
    autoReply(conn)
    await sub.ready
    conn.push({ type: 'message', sub: sub.id, message: wireMessage() })
    await started.promise
    let closed = false
    const closing = sub.close().then(() => {
      closed = true
    })
    await new Promise((r) => setTimeout(r, 5))
    expect(closed).toBe(false)
    expect(conn.received.some((f) => f.type === 'unsubscribe')).toBe(false)
    release.resolve()
    await closing
    const types = conn.received.map((f) => f.type)
    expect(types.indexOf('ack')).toBeLessThan(types.indexOf('unsubscribe'))
    await client.close()
  })

  it('subscribe - close gives up on a handler after its timeout', async () => {
    const { hub, client } = setup()
    const started = deferred()
    const sub = client.subscribe('orders@shop', async () => {
      started.resolve()
      await new Promise(() => {})
    })
    const conn = await hub.nextConnection()
    autoReply(conn)
    await sub.ready
    conn.push({ type: 'message', sub: sub.id, message: wireMessage() })
    await started.promise
    await sub.close({ timeout: 20 })
    expect(conn.received.some((f) => f.type === 'unsubscribe')).toBe(true)
    await client.close()
  })

  it('subscribe - an aborted signal closes the subscription', async () => {
    const { hub, client } = setup()
    const ac = new AbortController()
    const sub = client.subscribe('orders@shop', () => {}, { signal: ac.signal })
    const conn = await hub.nextConnection()
    autoReply(conn)
    await sub.ready
    ac.abort()
    await conn.waitFor('unsubscribe')
    expect(sub.closed).toBe(true)
    await client.close()
  })

  it('subscribe - a server refusal reaches onError with its code and closes the subscription', async () => {
    const { hub, client } = setup()
    const errors: unknown[] = []
    const sub = client.subscribe('orders@shop', () => {}, { onError: (e) => errors.push(e) })
    const conn = await hub.nextConnection()
    conn.push({ type: 'welcome', protocol: 'pandora.v1', authRequired: false, maxSize: 4096, heartbeat: 0 })
    const f = await conn.waitFor('subscribe')
    conn.push({ type: 'error', ref: f.ref as string, code: 'too_many_subscriptions', message: 'too many' })
    await vi.waitFor(() => expect(errors).toHaveLength(1))
    expect(errors[0]).toBeInstanceOf(PandoraError)
    expect(errors[0]).toMatchObject({ code: 'too_many_subscriptions', message: 'too many' })
    expect(sub.closed).toBe(true)
    await client.close()
  })

  it('subscribe - an invalid mailbox throws at once', () => {
    const { client } = setup()
    expect(() => client.subscribe('', () => {})).toThrow(expect.objectContaining({ code: 'invalid_mailbox' }))
  })

  it('messages - iterates pushed messages and closes the subscription on break', async () => {
    const { hub, client } = setup()
    const iterable = client.messages('orders@shop', { prefetch: 2 })
    const conn = await hub.nextConnection()
    autoReply(conn)
    const sub = iterable.subscription
    await sub.ready
    conn.push({ type: 'message', sub: sub.id, message: wireMessage({ fields: { n: ['1'] } }) })
    conn.push({ type: 'message', sub: sub.id, message: wireMessage({ fields: { n: ['2'] } }) })
    const got: string[] = []
    for await (const msg of iterable) {
      got.push(msg.fields.get('n') ?? '')
      await msg.ack()
      if (got.length === 2) break
    }
    expect(got).toEqual(['1', '2'])
    expect(sub.closed).toBe(true)
    expect(conn.received.filter((f) => f.type === 'ack')).toHaveLength(2)
    await client.close()
  })
})
