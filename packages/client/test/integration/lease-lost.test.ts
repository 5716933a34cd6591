import { type Clock, ManualClock, MemoryStore } from '@pandora/core'
import { afterEach, describe, expect, it } from 'vitest'
import { LeaseLostError, PandoraClient } from '../../src/index.js'
import type { Message } from '../../src/message.js'
import { CuttableLine } from './cuttable-line.js'
import { startServer, uniqueMailbox } from './server-and-client.js'

const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

/** A server on a memory store with `clock`, and clients of it that the test closes at the end. */
async function setup(clock?: Clock) {
  const store = new MemoryStore(clock ? { clock } : {})
  const server = await startServer({ store })
  const client = (options: { transport?: CuttableLine['transport'] } = {}) => {
    const c = new PandoraClient({
      url: server.url,
      from: 'tests@client',
      reconnect: { initialDelay: 20, maxDelay: 200 },
      ...options,
    })
    cleanups.push(() => c.close({ timeout: 1000 }))
    return c
  }
  cleanups.push(() => server.close())
  return { server, client }
}

/** Resolves with the signal's reason once it aborts. */
const aborted = (signal: AbortSignal) =>
  new Promise<unknown>((resolve) => {
    if (signal.aborted) resolve(signal.reason)
    else signal.addEventListener('abort', () => resolve(signal.reason), { once: true })
  })

/**
 * A handler that hands over its message, then ignores what the signal means: it waits for the
 * abort and returns as if its work were done, which must neither ack nor surface an error.
 */
function stubbornHandler() {
  let give!: (m: Message) => void
  const received = new Promise<Message>((resolve) => {
    give = resolve
  })
  let returned = false
  return {
    received,
    get returned() {
      return returned
    },
    handler: async (msg: Message) => {
      give(msg)
      await aborted(msg.signal)
      returned = true
    },
  }
}

describe('integration: lease lost', () => {
  it('lease lost - an admin purge aborts the running handler as revoked; nothing is acked, the loss is told once', async () => {
    const { client } = await setup()
    const pandora = client()
    const box = uniqueMailbox('purged')
    const errors: unknown[] = []
    const work = stubbornHandler()
    const sub = pandora.subscribe(box, work.handler, { leaseTime: 30_000, onError: (e) => errors.push(e) })
    await sub.ready
    await pandora.send(box, { report: '2026-10' })
    const msg = await work.received

    expect(await pandora.purge(box)).toBe(1)
    const reason = await aborted(msg.signal)
    expect(reason).toBeInstanceOf(LeaseLostError)
    expect(reason).toMatchObject({ kind: 'revoked', cause: 'purged' })
    await sub.close()
    expect(work.returned).toBe(true)
    expect(errors).toEqual([reason])
  })

  it('lease lost - a lease that expired and went to another consumer: the renewal is refused and the signal aborts', async () => {
    // The store's clock reads 2024 and only moves when told: the lease ends the server announces
    // are years in the past on this machine's clock, and must not be read as expired.
    const clock = new ManualClock()
    const { client } = await setup(clock)
    const pandora = client()
    const competitor = client()
    const box = uniqueMailbox('taken')
    const errors: unknown[] = []
    const work = stubbornHandler()
    const sub = pandora.subscribe(box, work.handler, {
      leaseTime: 2_000,
      renewAt: 0.25,
      onError: (e) => errors.push(e),
    })
    await sub.ready
    const { mid } = await pandora.send(box, { report: '2026-11' })
    const msg = await work.received

    // The server sees the lease run out (the handler's process stalled, say); another consumer takes it.
    clock.advance(2_001)
    const taken = await competitor.fetch(box, { leaseTime: 60_000 })
    expect(taken?.mid).toBe(mid)
    expect(taken?.deliveryCount).toBe(2)

    const reason = await aborted(msg.signal)
    expect(reason).toMatchObject({ kind: 'renewal_refused', cause: { code: 'unable_to_change_status' } })
    await sub.close()
    expect(work.returned).toBe(true)
    // The first handler returned without an ack (it would have failed): only the loss was told.
    expect(errors).toEqual([reason])
    await taken?.ack()
    expect(await competitor.getMessage(mid)).toMatchObject({ statusName: 'confirmed', deliveryCount: 2 })
  })

  it('lease lost - the socket lost past the lease end: the signal aborts as expired, on time whatever the server clock says', async () => {
    // The server's clock is an hour behind this one.
    const { client } = await setup({ now: () => Date.now() - 3_600_000 })
    const line = new CuttableLine()
    const pandora = client({ transport: line.transport })
    const other = client()
    const box = uniqueMailbox('cut')
    const errors: unknown[] = []
    const work = stubbornHandler()
    const sub = pandora.subscribe(box, work.handler, { leaseTime: 1_000, onError: (e) => errors.push(e) })
    await sub.ready
    const { mid } = await pandora.send(box, { report: '2026-12' })
    const renewed = line.nextFrame((f) => f.type === 'ok' && f.leasedUntil !== undefined)
    const msg = await work.received

    // Connected, the lease is kept: a renewal went through and the signal is quiet.
    await renewed
    expect(msg.signal.aborted).toBe(false)

    line.cut()
    const reason = await aborted(msg.signal)
    expect(reason).toMatchObject({ kind: 'expired', cause: { code: 'connection_lost' } })
    // The server gave the message back when the socket closed: another consumer may be on it now.
    const again = await other.fetch(box)
    expect(again).toMatchObject({ mid, deliveryCount: 2 })
    await again?.ack()
    await sub.close()
    expect(work.returned).toBe(true)
    expect(errors).toEqual([reason])
  })
})
