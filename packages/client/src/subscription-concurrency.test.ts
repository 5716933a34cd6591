import { afterEach, describe, expect, it, vi } from 'vitest'
import { PandoraClient } from './client.js'
import { LeaseLostError } from './lease-lost-error.js'
import { defaultPrefetch, type MessageHandler, type SubscribeOptions } from './mailbox-subscription.js'
import { type MemoryConnection, MemoryHub } from './memory-transport.js'
import type { Message } from './message.js'
import { autoReply, welcomeFrame, wireMessage } from './testing/fake-server.js'

const deferred = () => {
  let resolve!: () => void
  const promise = new Promise<void>((r) => {
    resolve = r
  })
  return { promise, resolve }
}

/** A client subscribed through a fake server that answers everything (acks too, unless `answerAcks` is false). */
async function subscribed(handler: MessageHandler, options: SubscribeOptions, answerAcks = true) {
  const hub = new MemoryHub()
  const client = new PandoraClient({ url: 'http://pandora.test', transport: hub.transport })
  const sub = client.subscribe('orders@shop', handler, options)
  const conn = await hub.nextConnection()
  if (answerAcks) autoReply(conn)
  else replyToAllButAcks(conn)
  await sub.ready
  const push = (n: number) => {
    const wire = wireMessage({ fields: { n: [String(n)] } })
    conn.push({ type: 'message', sub: sub.id, message: wire })
    return wire
  }
  return { client, sub, conn, push }
}

/** Answers subscribe and unsubscribe, and never an ack: the ack stays in flight. */
function replyToAllButAcks(conn: MemoryConnection): void {
  conn.push(welcomeFrame())
  void (async () => {
    for (;;) {
      const f = await conn.next()
      if (conn.closed) return
      if (f.type === 'subscribe') conn.push({ type: 'subscribed', sub: f.sub, ref: f.ref as string })
      if (f.type === 'unsubscribe') conn.push({ type: 'unsubscribed', sub: f.sub, ref: f.ref as string })
    }
  })()
}

const n = (msg: Message) => msg.fields.get('n')

describe('subscribe - concurrency and prefetch', () => {
  afterEach(() => vi.useRealTimers())

  it('asks the server for twice the concurrency, at least 8, unless prefetch is given', async () => {
    for (const [options, concurrency, prefetch] of [
      [{}, 1, 8],
      [{ concurrency: 3 }, 3, 8],
      [{ concurrency: 16 }, 16, 32],
      [{ concurrency: 200 }, 200, 256],
      [{ prefetch: 5 }, 5, 5],
      [{ concurrency: 2, prefetch: 6 }, 2, 6],
    ] as const) {
      const { client, sub, conn } = await subscribed(() => {}, options)
      expect(conn.received.find((f) => f.type === 'subscribe')).toMatchObject({ prefetch })
      expect([sub.concurrency, sub.prefetch]).toEqual([concurrency, prefetch])
      await client.close()
    }
    expect(defaultPrefetch(1)).toBe(8)
  })

  it('refuses a window no server takes, before anything is sent', async () => {
    const hub = new MemoryHub()
    const client = new PandoraClient({ url: 'http://pandora.test', transport: hub.transport })
    for (const [options, named] of [
      [{ concurrency: 0 }, 'concurrency 0'],
      [{ prefetch: 257 }, 'prefetch 257'],
      [{ concurrency: 2, prefetch: 257 }, 'prefetch 257'],
      [{ concurrency: 1.5 }, 'concurrency 1.5'],
      [{ concurrency: 4, prefetch: 2 }, 'concurrency 4 above prefetch 2'],
    ] as const) {
      expect(() => client.subscribe('orders@shop', () => {}, options)).toThrow(
        expect.objectContaining({ code: 'invalid_input', message: expect.stringContaining(named) }),
      )
    }
    expect(hub.connections).toHaveLength(0)
    await client.close()
  })

  it('runs one handler at a time, in the order messages were pushed, with more in hand', async () => {
    const started: string[] = []
    let running = 0
    let most = 0
    const gates = new Map<string, ReturnType<typeof deferred>>()
    const { client, push, conn } = await subscribed(
      async (msg) => {
        started.push(n(msg) ?? '')
        most = Math.max(most, ++running)
        const gate = deferred()
        gates.set(n(msg) ?? '', gate)
        await gate.promise
        running--
      },
      { concurrency: 1, prefetch: 4 },
    )
    for (const i of [1, 2, 3]) push(i)
    await vi.waitFor(() => expect(started).toEqual(['1']))
    gates.get('1')?.resolve()
    await vi.waitFor(() => expect(started).toEqual(['1', '2']))
    gates.get('2')?.resolve()
    await vi.waitFor(() => expect(started).toEqual(['1', '2', '3']))
    gates.get('3')?.resolve()
    await vi.waitFor(() =>
      expect(conn.received.filter((f) => f.type === 'ack' || f.type === 'acks')).not.toEqual([]),
    )
    expect(most).toBe(1)
    await client.close()
  })

  it('gives the slot to the next message when a handler returns, not when its ack is answered', async () => {
    const started: string[] = []
    const { client, push, conn } = await subscribed(
      (msg) => {
        started.push(n(msg) ?? '')
      },
      { concurrency: 1, prefetch: 2 },
      false,
    )
    push(1)
    push(2)
    // The fake server never answers an ack: the second handler ran while the first ack was in flight.
    await vi.waitFor(() => expect(started).toEqual(['1', '2']))
    expect(conn.received.some((f) => f.type === 'ack' || f.type === 'acks')).toBe(true)
    await client.close({ timeout: 10 })
  })

  it('keeps the leases of waiting messages', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] })
    const release = deferred()
    const { client, push, conn } = await subscribed(() => release.promise, {
      concurrency: 1,
      prefetch: 2,
      leaseTime: 2_000,
    })
    push(1)
    const waiting = push(2)
    await vi.advanceTimersByTimeAsync(3_500)
    const renewed = conn.received.filter((f) => f.type === 'renew' && f.mid === waiting.mid)
    expect(renewed.length).toBeGreaterThanOrEqual(3)
    release.resolve()
    await vi.advanceTimersByTimeAsync(10)
    await client.close()
  })

  it('skips a waiting message whose lease was taken away, and close never starts the rest', async () => {
    const started: string[] = []
    const errors: unknown[] = []
    const gates = { '1': deferred(), '3': deferred() } as Record<string, ReturnType<typeof deferred>>
    const { client, sub, push, conn } = await subscribed(
      async (msg) => {
        started.push(n(msg) ?? '')
        await gates[n(msg) ?? '']?.promise
      },
      { concurrency: 1, prefetch: 4, onError: (e) => errors.push(e) },
    )
    push(1)
    const purged = push(2)
    push(3)
    push(4)
    await vi.waitFor(() => expect(started).toEqual(['1']))
    conn.push({ type: 'lost', sub: sub.id, leases: [{ mid: purged.mid, lid: purged.lid }], reason: 'purged' })
    await vi.waitFor(() => expect(errors).toEqual([expect.any(LeaseLostError)]))
    gates['1']?.resolve()
    await vi.waitFor(() => expect(started).toEqual(['1', '3']))
    // Close while 3 runs: it waits for 3, and 4 never starts; the unsubscribe gives 4 back.
    const closing = sub.close()
    gates['3']?.resolve()
    await closing
    expect(started).toEqual(['1', '3'])
    expect(conn.received.some((f) => f.type === 'unsubscribe')).toBe(true)
    await client.close()
  })
})
