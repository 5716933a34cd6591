import { describe, expect, it, vi } from 'vitest'
import { PandoraClient } from './client.js'
import { MemoryHub } from './memory-transport.js'
import type { Message } from './message.js'
import { autoReply, fakeKey, welcomeFrame, wireMessage } from './testing/fake-server.js'

const FEATURES = ['acks', 'messages']

/** A client (sender web@shop) connected to a fake server that announced `features`. */
async function connectedSender(features: string[]) {
  const hub = new MemoryHub()
  const client = new PandoraClient({ url: 'http://pandora.test', transport: hub.transport, from: 'web@shop' })
  const connected = client.connect()
  const conn = await hub.nextConnection()
  conn.push(welcomeFrame({ features }))
  await connected
  return { client, conn }
}

/** A client subscribed with `prefetch` to a fake server that announced the batch frames, its handler doing nothing. */
async function subscribedConsumer(prefetch: number) {
  const hub = new MemoryHub()
  const client = new PandoraClient({ url: 'http://pandora.test', transport: hub.transport })
  const sub = client.subscribe('orders@shop', () => {}, { prefetch })
  const conn = await hub.nextConnection()
  autoReply(conn, { features: FEATURES })
  await sub.ready
  return { client, sub, conn }
}

describe('connection batch frames', () => {
  it('subscribe - asks for messages frames; a messages frame reaches the handler once per message', async () => {
    const hub = new MemoryHub()
    const client = new PandoraClient({ url: 'http://pandora.test', transport: hub.transport })
    const handled: string[] = []
    const sub = client.subscribe(
      'orders@shop',
      (m) => {
        handled.push(m.mid)
      },
      { prefetch: 8 },
    )
    const conn = await hub.nextConnection()
    autoReply(conn, { features: FEATURES })
    expect(await conn.waitFor('subscribe')).toMatchObject({ batch: true })
    await sub.ready
    const wires = [1, 2, 3].map(() => wireMessage({ mid: fakeKey('c'), lid: fakeKey('d') }))
    conn.push({ type: 'messages', sub: sub.id, messages: wires })
    const acks = await conn.waitFor('acks')
    expect(handled).toEqual(wires.map((w) => w.mid))
    expect(acks.items).toEqual(wires.map((w) => ({ mid: w.mid, lid: w.lid })))
    await client.close()
  })

  it('acks - handlers settling in one turn share one acks frame when the server announces it', async () => {
    const { client, sub, conn } = await subscribedConsumer(8)
    const wires = [1, 2].map(() => wireMessage({ mid: fakeKey('e'), lid: fakeKey('f') }))
    for (const message of wires) conn.push({ type: 'message', sub: sub.id, message })
    const acks = await conn.waitFor('acks')
    expect(acks.items.map((i) => i.mid)).toEqual(wires.map((w) => w.mid))
    expect(conn.received.filter((f) => f.type === 'ack')).toEqual([])
    await client.close()
  })

  it('acks - a window of 16 acks in halves, so the server refills while the rest still run', async () => {
    const { client, sub, conn } = await subscribedConsumer(16)
    const wires = Array.from({ length: 16 }, () => wireMessage({ mid: fakeKey('a'), lid: fakeKey('b') }))
    conn.push({ type: 'messages', sub: sub.id, messages: wires })
    const first = await conn.waitFor('acks')
    const second = await conn.waitFor('acks')
    expect([first.items.length, second.items.length]).toEqual([8, 8])
    expect([...first.items, ...second.items].map((i) => i.mid)).toEqual(wires.map((w) => w.mid))
    await client.close()
  })

  it('acks - a subscription the server refused holds nothing: the window is the live ones only', async () => {
    const hub = new MemoryHub()
    const client = new PandoraClient({ url: 'http://pandora.test', transport: hub.transport })
    const refused = client.subscribe('big@shop', () => {}, { prefetch: 200, onError: () => {} })
    const sub = client.subscribe('orders@shop', () => {}, { prefetch: 4 })
    const conn = await hub.nextConnection()
    conn.push(welcomeFrame({ features: FEATURES }))
    void (async () => {
      for (;;) {
        const f = await conn.next()
        if (conn.closed) return
        const ref = f.ref as string
        if (f.type === 'subscribe' && f.prefetch === 200)
          conn.push({ type: 'error', ref, code: 'too_many_subscriptions', message: 'no' })
        else if (f.type === 'subscribe') conn.push({ type: 'subscribed', sub: f.sub, ref })
        else if (f.type === 'unsubscribe') conn.push({ type: 'unsubscribed', sub: f.sub, ref })
        else conn.push({ type: 'ok', ref })
      }
    })()
    await sub.ready
    await vi.waitFor(() => expect(refused.closed).toBe(true))
    const wires = Array.from({ length: 4 }, () => wireMessage({ mid: fakeKey('a'), lid: fakeKey('b') }))
    conn.push({ type: 'messages', sub: sub.id, messages: wires })
    // A window of 4 acks every 2; counting the refused 200 too, it acked all 4 in one frame.
    const first = await conn.waitFor('acks')
    const second = await conn.waitFor('acks')
    expect([first.items.length, second.items.length]).toEqual([2, 2])
    await client.close()
  })

  it('acks - an item the server reports as failed rejects only that message ack', async () => {
    const hub = new MemoryHub()
    const client = new PandoraClient({ url: 'http://pandora.test', transport: hub.transport })
    const got: Message[] = []
    const sub = client.subscribe('orders@shop', (m) => void got.push(m), { prefetch: 8, autoAck: false })
    const c = await hub.nextConnection()
    c.push(welcomeFrame({ features: FEATURES }))
    const subscribe = await c.waitFor('subscribe')
    c.push({ type: 'subscribed', sub: subscribe.sub, ...(subscribe.ref ? { ref: subscribe.ref } : {}) })
    await sub.ready
    const wires = [1, 2].map(() => wireMessage({ mid: fakeKey('c'), lid: fakeKey('d') }))
    c.push({ type: 'messages', sub: sub.id, messages: wires })
    await vi.waitFor(() => expect(got).toHaveLength(2))
    const [a, b] = got
    const settled = Promise.allSettled([a!.ack(), b!.ack()])
    const acks = await c.waitFor('acks')
    c.push({
      type: 'ok',
      ...(acks.ref ? { ref: acks.ref } : {}),
      errors: [{ index: 1, code: 'unable_to_change_status', message: 'lease lost' }],
    })
    const [first, second] = await settled
    expect(first.status).toBe('fulfilled')
    expect(second.status).toBe('rejected')
    expect((second as PromiseRejectedResult).reason).toMatchObject({ code: 'unable_to_change_status' })
    // From here on a plain fake server answers (the unsubscribe of close among others).
    autoReply(c, { welcome: false })
    await client.close()
  })

  it('send - once connected, sends of one turn leave in one send frame; a refused one rejects alone', async () => {
    const { client, conn } = await connectedSender([...FEATURES, 'send'])
    const sends = Promise.allSettled([
      client.send('orders@shop', { sku: 'A1' }),
      client.send('orders@shop', { sku: 'B2' }),
      client.send('orders@shop', { big: 'x' }),
    ])
    const frame = await conn.waitFor('send')
    const first = fakeKey('1')
    expect(frame.messages.map((m) => m.fields)).toEqual([{ sku: 'A1' }, { sku: 'B2' }, { big: 'x' }])
    expect(frame.messages.every((m) => m.sender === 'web@shop' && m.receiver === 'orders@shop')).toBe(true)
    conn.push({
      type: 'sent',
      ...(frame.ref ? { ref: frame.ref } : {}),
      results: [
        { mid: first, duplicate: false },
        { mid: fakeKey('2'), duplicate: true },
        { error: { code: 'message_too_big', message: 'message is too big. max size is 4096' } },
      ],
    })
    const [a, b, c] = await sends
    expect(a).toMatchObject({ status: 'fulfilled', value: { mid: first, duplicate: false } })
    expect(b).toMatchObject({ status: 'fulfilled', value: { duplicate: true } })
    expect(c).toMatchObject({ status: 'rejected', reason: { code: 'message_too_big' } })
    await client.close()
  })

  it('send - a burst of more than 32 sends leaves 32 at once and the rest at the end of the turn', async () => {
    const { client, conn } = await connectedSender([...FEATURES, 'send'])
    const sends = Promise.all(
      Array.from({ length: 40 }, (_, i) => client.send('orders@shop', { i: String(i) })),
    )
    const first = await conn.waitFor('send')
    const second = await conn.waitFor('send')
    expect(first.messages.map((m) => m.fields)).toEqual(
      Array.from({ length: 32 }, (_, i) => ({ i: String(i) })),
    )
    expect(second.messages.map((m) => m.fields)).toEqual(
      Array.from({ length: 8 }, (_, i) => ({ i: String(32 + i) })),
    )
    for (const frame of [first, second])
      conn.push({
        type: 'sent',
        ...(frame.ref ? { ref: frame.ref } : {}),
        results: frame.messages.map((m) => ({ mid: String(m.fields.i).padStart(40, '0'), duplicate: false })),
      })
    expect((await sends).map((r) => r.mid)).toEqual(
      Array.from({ length: 40 }, (_, i) => String(i).padStart(40, '0')),
    )
    await client.close()
  })

  it('sendBatch - once connected, a batch leaves in one sendBatch frame; a refusal rejects the whole batch', async () => {
    const { client, conn } = await connectedSender([...FEATURES, 'send', 'send-batch'])
    const batch = client.sendBatch([
      { receiver: 'orders@shop', fields: { sku: 'A1' } },
      { receiver: 'stock@shop', fields: { sku: 'A1' } },
    ])
    const frame = await conn.waitFor('sendBatch')
    expect(frame.messages.map((m) => [m.receiver, m.sender, m.fields])).toEqual([
      ['orders@shop', 'web@shop', { sku: 'A1' }],
      ['stock@shop', 'web@shop', { sku: 'A1' }],
    ])
    const results = [
      { mid: fakeKey('1'), duplicate: false },
      { mid: fakeKey('2'), duplicate: true },
    ]
    conn.push({ type: 'sent', ...(frame.ref ? { ref: frame.ref } : {}), results })
    expect(await batch).toEqual(results)

    const refused = client.sendBatch([{ receiver: 'orders@shop', fields: { big: 'x' } }])
    const second = await conn.waitFor('sendBatch')
    conn.push({
      type: 'error',
      ...(second.ref ? { ref: second.ref } : {}),
      code: 'message_too_big',
      message: 'message is too big. max size is 4096',
    })
    await expect(refused).rejects.toMatchObject({ code: 'message_too_big' })
    await client.close()
  })
})
