import { ManualClock, MemoryStore, Status, WS_PROTOCOL } from '@pandora/core'
import { afterEach, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { json, STORE_KINDS, startServer, uniqueMailbox } from '../../../../test-support/server.js'
import { SocketPool } from '../../../../test-support/test-socket.js'
import type { PandoraServer } from '../create-server.js'

let server: PandoraServer
const sockets = new SocketPool()
afterEach(async () => {
  await sockets.closeAll()
  await server?.close()
})
const open = async (headers?: Record<string, string>) => {
  const s = await sockets.open(server.url, headers)
  return s
}
const send = (receiver: string, fields: Record<string, string> = {}, delay?: number) =>
  json(`${server.url}/v1/messages`, 'POST', {
    sender: 's@test',
    receiver,
    fields,
    ...(delay ? { delay } : {}),
  })

describe.each(STORE_KINDS)('WebSocket push (%s store)', (kind) => {
  it('push - a subscriber gets a message the moment it is sent, then acks it', async () => {
    server = await startServer({ kind })
    const box = uniqueMailbox()
    const ws = await open()
    const welcome = await ws.next('welcome')
    expect(welcome).toMatchObject({ protocol: 'pandora.v1', authRequired: false, maxSize: 4096 })
    ws.send({ type: 'subscribe', sub: 's1', receiver: box, leaseTime: 10_000, prefetch: 2 })
    await ws.next('subscribed')
    const sent = await send(box, { hello: 'push' })
    const pushed = await ws.next('message')
    expect(pushed.sub).toBe('s1')
    expect(pushed.message).toMatchObject({
      mid: sent.body.mid,
      deliveryCount: 1,
      fields: { hello: ['push'] },
    })
    ws.send({ type: 'ack', mid: pushed.message.mid, lid: pushed.message.lid, ref: 'a1' })
    await ws.next('ok', (f) => f.ref === 'a1')
    expect(await server.store.stats(box)).toMatchObject({ confirmed: 1, leased: 0 })
  })

  it('credit - never more than prefetch unacknowledged; an ack lets the next one through', async () => {
    server = await startServer({ kind })
    const box = uniqueMailbox()
    for (let i = 0; i < 5; i++) await send(box, { i: String(i) })
    const ws = await open()
    ws.send({ type: 'subscribe', sub: 's', receiver: box, prefetch: 2 })
    const a = await ws.next('message')
    const b = await ws.next('message')
    expect([a.message.fields.i, b.message.fields.i]).toEqual([['0'], ['1']])
    // The server holds the rest back: the mailbox still has 3 pending and 2 leased.
    expect(await server.store.stats(box)).toMatchObject({ pending: 3, leased: 2 })
    ws.send({ type: 'ack', mid: a.message.mid, lid: a.message.lid })
    const c = await ws.next('message')
    expect(c.message.fields.i).toEqual(['2'])
    expect(await server.store.stats(box)).toMatchObject({ pending: 2, leased: 2, confirmed: 1 })
  })

  it('share - several subscribers on one mailbox share its work, each message once', async () => {
    server = await startServer({ kind })
    const box = uniqueMailbox()
    const one = await open()
    const two = await open()
    for (const ws of [one, two]) {
      ws.send({ type: 'subscribe', sub: 'w', receiver: box, prefetch: 10 })
      await ws.next('subscribed')
    }
    for (let i = 0; i < 20; i++) await send(box, { i: String(i) })
    const got: string[] = []
    await Promise.all(
      [one, two].map(async (ws) => {
        for (;;) {
          const m = await ws.next('message', () => true, 300).catch(() => null)
          if (!m) return
          got.push(m.message.mid)
          ws.send({ type: 'ack', mid: m.message.mid, lid: m.message.lid })
        }
      }),
    )
    expect(got).toHaveLength(20)
    expect(new Set(got).size).toBe(20)
  })

  it('close - a closed socket gives its unacknowledged leases back at once', async () => {
    server = await startServer({ kind })
    const box = uniqueMailbox()
    await send(box)
    const first = await open()
    first.send({ type: 'subscribe', sub: 's', receiver: box, leaseTime: 60_000 })
    const m = await first.next('message')
    const second = await open()
    second.send({ type: 'subscribe', sub: 's', receiver: box, leaseTime: 60_000 })
    await second.next('subscribed')
    await first.close()
    const again = await second.next('message')
    expect(again.message).toMatchObject({ mid: m.message.mid, deliveryCount: 2, status: Status.rejected })
  })

  it('timers - a delayed message is pushed when its delay ends', async () => {
    server = await startServer({ kind })
    const box = uniqueMailbox()
    const ws = await open()
    ws.send({ type: 'subscribe', sub: 's', receiver: box })
    await ws.next('subscribed')
    const t0 = Date.now()
    await send(box, { later: '1' }, 300)
    const m = await ws.next('message')
    expect(Date.now() - t0).toBeGreaterThanOrEqual(290)
    expect(m.message.fields.later).toEqual(['1'])
  })

  it('timers - an expired lease is pushed again, with status timeout', async () => {
    server = await startServer({ kind })
    const box = uniqueMailbox()
    await send(box)
    const ws = await open()
    ws.send({ type: 'subscribe', sub: 's', receiver: box, leaseTime: 1000, prefetch: 1 })
    const first = await ws.next('message')
    const second = await ws.next('message')
    expect(second.message).toMatchObject({ mid: first.message.mid, deliveryCount: 2, status: Status.timeout })
    ws.send({ type: 'ack', mid: first.message.mid, lid: first.message.lid, ref: 'stale' })
    expect(await ws.next('error', (f) => f.ref === 'stale')).toMatchObject({
      code: 'unable_to_change_status',
    })
  })

  it('reject and renew - on the same socket', async () => {
    server = await startServer({ kind })
    const box = uniqueMailbox()
    await send(box)
    const ws = await open()
    ws.send({ type: 'subscribe', sub: 's', receiver: box, leaseTime: 5000 })
    const m = await ws.next('message')
    ws.send({ type: 'renew', mid: m.message.mid, lid: m.message.lid, leaseTime: 60_000, ref: 'r' })
    const ok = await ws.next('ok', (f) => f.ref === 'r')
    expect(Date.parse(ok.leasedUntil!) - Date.parse(m.message.leasedUntil)).toBeGreaterThan(50_000)
    ws.send({ type: 'reject', mid: m.message.mid, lid: m.message.lid, ref: 'x' })
    await ws.next('ok', (f) => f.ref === 'x')
    const again = await ws.next('message')
    expect(again.message).toMatchObject({ mid: m.message.mid, deliveryCount: 2, status: Status.rejected })
  })

  it('frames - bad frames get an error frame and change nothing; the socket stays usable', async () => {
    server = await startServer({ kind })
    const ws = await open()
    ws.ws.send('not json')
    expect(await ws.next('error')).toMatchObject({ code: 'invalid_input' })
    ws.send({ type: 'subscribe', sub: 's', receiver: '', ref: 'bad' })
    expect(await ws.next('error', (f) => f.ref === 'bad')).toMatchObject({ code: 'invalid_mailbox' })
    ws.send({ type: 'ack', mid: 'x', lid: 'y', ref: 'k' })
    expect(await ws.next('error', (f) => f.ref === 'k')).toMatchObject({ code: 'invalid_input' })
    ws.send({ type: 'ping', ref: 'p' })
    await ws.next('pong', (f) => f.ref === 'p')
  })

  it('limits - subscriptions per socket are capped', async () => {
    server = await startServer({ kind, maxSubscriptionsPerSocket: 2 })
    const ws = await open()
    for (const sub of ['a', 'b']) ws.send({ type: 'subscribe', sub, receiver: uniqueMailbox() })
    ws.send({ type: 'subscribe', sub: 'c', receiver: uniqueMailbox(), ref: 'c' })
    expect(await ws.next('error', (f) => f.ref === 'c')).toMatchObject({ code: 'too_many_subscriptions' })
  })

  it('unsubscribe - gives that subscription’s leases back', async () => {
    const clock = new ManualClock(Date.now())
    server = await startServer({ kind, store: new MemoryStore({ clock }) })
    const box = uniqueMailbox()
    await send(box)
    const ws = await open()
    ws.send({ type: 'subscribe', sub: 's', receiver: box })
    await ws.next('message')
    ws.send({ type: 'unsubscribe', sub: 's', ref: 'u' })
    await ws.next('unsubscribed')
    expect(await server.store.stats(box)).toMatchObject({ pending: 1, leased: 0 })
  })

  it('heartbeat - a peer that stops answering pings is dropped and its leases given back', async () => {
    server = await startServer({ kind, heartbeatMs: 100 })
    const box = uniqueMailbox()
    await send(box)
    // A peer that never answers pings, as a frozen or vanished client would.
    const mute = new WebSocket(`${server.url.replace('http', 'ws')}/v1/ws`, WS_PROTOCOL, { autoPong: false })
    const leased = new Promise<string>((resolve) => {
      mute.on('message', (data) => {
        const f = JSON.parse(String(data))
        if (f.type === 'welcome')
          mute.send(JSON.stringify({ type: 'subscribe', sub: 's', receiver: box, leaseTime: 60_000 }))
        if (f.type === 'message') resolve(f.message.mid)
      })
    })
    const mid = await leased
    const dropped = new Promise<void>((resolve) => mute.once('close', () => resolve()))
    const healthy = await open()
    healthy.send({ type: 'subscribe', sub: 's', receiver: box, leaseTime: 60_000 })
    const again = await healthy.next('message')
    await dropped
    expect(again.message).toMatchObject({ mid, deliveryCount: 2 })
  })

  it('shutdown - a peer that never answers the close handshake does not hold up close()', {
    timeout: 10_000,
  }, async () => {
    server = await startServer({ kind })
    const box = uniqueMailbox()
    await send(box)
    const frozen = await open()
    frozen.send({ type: 'subscribe', sub: 's', receiver: box })
    await frozen.next('message')
    // Stop reading: the server's close frame is never seen, so never answered (ws would wait 30 s).
    ;(frozen.ws as unknown as { _socket: { pause(): void } })._socket.pause()
    const store = server.store
    await server.close()
    expect(await store.stats(box).catch((e: { code: string }) => e.code)).toBe('store_closed')
    sockets.forget(frozen)
    frozen.ws.terminate()
  })
})
