import { MemoryStore } from '@pandora/core'
import { afterEach, describe, expect, it } from 'vitest'
import { PandoraClient } from '../../src/index.js'
import type { Message } from '../../src/message.js'
import { serverAndClient, startServer, uniqueMailbox } from './server-and-client.js'

const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

async function setup(options: Parameters<typeof serverAndClient>[0] = {}) {
  const sc = await serverAndClient(options)
  cleanups.push(sc.close)
  return sc
}

function collector() {
  const items: Message[] = []
  let wake: (() => void) | undefined
  return {
    items,
    push(m: Message) {
      items.push(m)
      wake?.()
    },
    async waitFor(n: number): Promise<Message[]> {
      while (items.length < n) await new Promise<void>((r) => (wake = r))
      return items
    },
  }
}

describe('integration: subscribe', () => {
  it('integration - a subscription receives a pushed message and acks it', async () => {
    const { client } = await setup()
    const box = uniqueMailbox('push')
    const got = collector()
    const sub = client.subscribe(box, (m) => got.push(m))
    await sub.ready
    const { mid } = await client.send(box, { sku: 'A1', qty: '2' })
    const [msg] = await got.waitFor(1)
    expect(msg?.mid).toBe(mid)
    expect(msg?.fields.get('sku')).toBe('A1')
    expect(msg?.sender).toBe('tests@client')
    await sub.close()
    const stored = await client.getMessage(mid)
    expect(stored.statusName).toBe('confirmed')
    expect(await client.fetch(box)).toBeNull()
  })

  it('integration - a throwing handler leads to redelivery with deliveryCount 2', async () => {
    const { client } = await setup()
    const box = uniqueMailbox('retry')
    const got = collector()
    const errors: unknown[] = []
    const sub = client.subscribe(
      box,
      (m) => {
        got.push(m)
        if (m.deliveryCount === 1) throw new Error('first time fails')
      },
      { retryDelay: () => 0, onError: (e) => errors.push(e) },
    )
    await sub.ready
    const { mid } = await client.send(box, { n: '1' })
    const [first, second] = await got.waitFor(2)
    expect(first?.mid).toBe(mid)
    expect(second?.mid).toBe(mid)
    expect(second?.deliveryCount).toBe(2)
    expect(errors).toEqual([expect.objectContaining({ message: 'first time fails' })])
    await sub.close()
    expect((await client.getMessage(mid)).statusName).toBe('confirmed')
  })

  it('integration - a handler slower than the lease keeps it and is confirmed once, never redelivered', async () => {
    const { client, server } = await setup()
    const box = uniqueMailbox('slow')
    const got = collector()
    let renewedUntil: Date | undefined
    const sub = client.subscribe(
      box,
      async (m) => {
        got.push(m)
        const firstLease = m.leasedUntil.getTime()
        // The scenario itself: work that outlasts the 1 s lease twice over.
        await new Promise((r) => setTimeout(r, 2_500))
        renewedUntil = m.leasedUntil
        expect(m.leasedUntil.getTime()).toBeGreaterThan(firstLease)
      },
      { leaseTime: 1_000 },
    )
    await sub.ready
    const { mid } = await client.send(box, { slow: 'yes' })
    await got.waitFor(1)
    // While the handler works, nobody else can lease the message.
    const competitor = new PandoraClient({ url: server.url })
    expect(await competitor.fetch(box, { wait: 1_500 })).toBeNull()
    await sub.close()
    expect(renewedUntil).toBeInstanceOf(Date)
    const stored = await client.getMessage(mid)
    expect(stored.statusName).toBe('confirmed')
    expect(stored.deliveryCount).toBe(1)
    expect(got.items).toHaveLength(1)
  })

  it('integration - close gives unsettled leases back at once', async () => {
    const { client } = await setup()
    const box = uniqueMailbox('close')
    const got = collector()
    const sub = client.subscribe(box, (m) => got.push(m), { autoAck: false, leaseTime: 60_000 })
    await sub.ready
    const { mid } = await client.send(box, { n: '1' })
    await got.waitFor(1)
    await sub.close()
    const again = await client.fetch(box, { wait: 5_000 })
    expect(again?.mid).toBe(mid)
    expect(again?.deliveryCount).toBe(2)
    await again?.ack()
  })

  it('integration - a token-protected server accepts the token over HTTP and in the auth frame', async () => {
    const { client, server } = await setup({ token: 'integration-secret' })
    const box = uniqueMailbox('auth')
    const got = collector()
    const sub = client.subscribe(box, (m) => got.push(m))
    await sub.ready
    await client.send(box, { n: '1' })
    await got.waitFor(1)
    const outsider = new PandoraClient({ url: server.url, from: 'x@y' })
    await expect(outsider.send(box, { n: '2' })).rejects.toMatchObject({ code: 'unauthorized' })
  })

  it('integration - a server restart is survived: the subscription resumes on the new server', async () => {
    const store = new MemoryStore()
    let server = await startServer({ store, ownsStore: false })
    const port = server.port
    const client = new PandoraClient({
      url: server.url,
      from: 'tests@client',
      reconnect: { initialDelay: 20, maxDelay: 200 },
    })
    cleanups.push(async () => {
      await client.close({ timeout: 1000 })
      await server.close()
      await store.close()
    })
    const states: string[] = []
    client.on('state', (s) => states.push(s))
    const box = uniqueMailbox('restart')
    const got = collector()
    // Acks by hand, so the first message is surely settled before the server goes away.
    const sub = client.subscribe(box, (m) => got.push(m), { autoAck: false })
    await sub.ready
    await client.send(box, { n: 'before' })
    const [before] = await got.waitFor(1)
    await before?.ack()

    await server.close()
    const reopened = new Promise<void>((resolve) => {
      const off = client.on('state', (s) => {
        if (s === 'open') {
          off()
          resolve()
        }
      })
    })
    server = await startServer({ store, ownsStore: false, port })
    await reopened
    await client.send(box, { n: 'after' })
    const items = await got.waitFor(2)
    expect(items.map((m) => m.fields.get('n'))).toEqual(['before', 'after'])
    await items[1]?.ack()
    expect(states).toContain('reconnecting')
  })
})
