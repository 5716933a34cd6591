import { ManualClock, MemoryStore } from '@pandora/core'
import { afterEach, describe, expect, it } from 'vitest'
import { PandoraClient } from '../../src/index.js'
import type { Message } from '../../src/message.js'
import { startServer, uniqueMailbox } from './server-and-client.js'

const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

/** A server deciding time on a manual clock, and a client of it. */
async function setup() {
  const clock = new ManualClock()
  const server = await startServer({ store: new MemoryStore({ clock }) })
  const client = new PandoraClient({ url: server.url, from: 'tests@client' })
  cleanups.push(async () => {
    await client.close({ timeout: 1000 })
    await server.close()
  })
  return { clock, client }
}

/** Messages a handler saw, and a way to wait for the n-th. */
function collector() {
  const items: Message[] = []
  let wake: (() => void) | undefined
  return {
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

describe('integration: failure reasons and retry policy', () => {
  it("integration - a throwing handler's message is the reason GET /v1/messages/{mid} shows", async () => {
    const { client } = await setup()
    const box = uniqueMailbox('reason')
    const got = collector()
    const sub = client.subscribe(
      box,
      (m) => {
        got.push(m)
        throw m.fields.get('long') ? new Error('y'.repeat(5000)) : new Error('inventory down for A1')
      },
      { retryDelay: () => 60_000, onError: () => {} },
    )
    await sub.ready
    const { mid } = await client.send(box, { sku: 'A1' })
    const long = await client.send(box, { long: 'yes' })
    await got.waitFor(2)
    await sub.close() // waits for the handlers, and so for their rejects
    const stored = await client.getMessage(mid)
    expect(stored).toMatchObject({ statusName: 'rejected', failureReason: 'inventory down for A1' })
    expect(stored.failedAt).toBeInstanceOf(Date)
    const [header] = await client.headers(box, { limit: 1 })
    expect(header?.failureReason).toBe('inventory down for A1')
    // A message too long for a reason is cut to 1024 bytes, ending in an ellipsis.
    const cut = (await client.getMessage(long.mid)).failureReason!
    expect(new TextEncoder().encode(cut).byteLength).toBe(1024)
    expect(cut.endsWith('…')).toBe(true)
  })

  it('integration - msg.reject({ reason }) from a fetch keeps the reason', async () => {
    const { client } = await setup()
    const box = uniqueMailbox('explicit')
    await client.send(box, { n: '1' })
    const msg = (await client.fetch(box))!
    await msg.reject({ reason: 'not today', delay: 10 })
    const again = await client.getMessage(msg.mid)
    expect(again.failureReason).toBe('not today')
  })

  it("integration - the SDK leaves the backoff to the mailbox's policy on the server when it has one", async () => {
    const { client, clock } = await setup()
    const box = uniqueMailbox('defer')
    await client.setRetryPolicy(box, { backoff: { type: 'fixed', delay: 5000 } })
    const got = collector()
    const sub = client.subscribe(
      box,
      (m) => {
        got.push(m)
        throw new Error('try later')
      },
      { onError: () => {} },
    )
    await sub.ready
    expect(sub.retryPolicy).toEqual({ backoff: { type: 'fixed', delay: 5000, jitter: 0 } })
    await client.send(box, { n: '1' })
    await got.waitFor(1)
    await sub.close()
    // The SDK's own default would have rejected with 1 s; the server's 5 s applies instead.
    clock.advance(1000)
    expect(await client.stats(box)).toMatchObject({ delayed: 1, pending: 0 })
    clock.advance(4000)
    expect(await client.stats(box)).toMatchObject({ delayed: 0, pending: 1 })
  })

  it("integration - a retryDelay given to subscribe wins over the server's backoff", async () => {
    const { client } = await setup()
    const box = uniqueMailbox('explicit-wins')
    await client.setRetryPolicy(box, { backoff: { type: 'fixed', delay: 60_000 } })
    const got = collector()
    const sub = client.subscribe(
      box,
      (m) => {
        got.push(m)
        if (m.deliveryCount === 1) throw new Error('once')
      },
      { retryDelay: () => 0, onError: () => {} },
    )
    await sub.ready
    await client.send(box, { n: '1' })
    // Redelivered at once, though the server's clock never moves: the explicit 0 won.
    const [, second] = await got.waitFor(2)
    expect(second).toMatchObject({ deliveryCount: 2, failureReason: 'once' })
    await sub.close()
  })

  it('integration - retryPolicy and setRetryPolicy read and write the policy; a bad one is invalid_policy', async () => {
    const { client } = await setup()
    const box = uniqueMailbox('policy')
    expect(await client.retryPolicy(box)).toEqual({ receiver: box, policy: {}, maxDeliveries: 10 })
    const set = await client.setRetryPolicy(box, {
      maxDeliveries: 3,
      backoff: { type: 'exponential', base: 100, max: 1000 },
    })
    expect(set.maxDeliveries).toBe(3)
    expect(set.policy.backoff).toEqual({ type: 'exponential', base: 100, factor: 2, max: 1000, jitter: 0 })
    await expect(
      client.setRetryPolicy(box, { backoff: { type: 'exponential', base: 100, max: 10 } }),
    ).rejects.toMatchObject({ code: 'invalid_policy' })
  })
})
