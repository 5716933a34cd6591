import { PandoraError } from '@pandora/core'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { PandoraClient } from './client.js'
import { isLeaseGone, LeaseLostError } from './lease-lost-error.js'
import { MemoryHub } from './memory-transport.js'
import { Message } from './message.js'
import { autoReply, wireMessage } from './testing/fake-server.js'

const noOps = {
  ack: async () => {},
  reject: async () => {},
  renew: async () => {
    throw new PandoraError('unable_to_change_status')
  },
}

describe('LeaseLostError', () => {
  it('LeaseLostError - an Error with a name, a kind, a readable message and the cause it was given', () => {
    const refusal = new PandoraError('unable_to_change_status')
    const e = new LeaseLostError('renewal_refused', { cause: refusal })
    expect(e).toBeInstanceOf(Error)
    expect(e.name).toBe('LeaseLostError')
    expect(e.kind).toBe('renewal_refused')
    expect(e.message).toBe('lease lost: renewal refused')
    expect(e.cause).toBe(refusal)
    expect(new LeaseLostError('expired').message).toBe('lease lost: expired')
    expect(new LeaseLostError('revoked', { cause: 'purged' }).message).toBe('lease lost: revoked')
    expect('cause' in new LeaseLostError('expired')).toBe(false)
  })

  it('LeaseLostError - only refusals that mean the lid is gone count as a lost lease', () => {
    expect(isLeaseGone(new PandoraError('unable_to_change_status'))).toBe(true)
    expect(isLeaseGone(new PandoraError('not_found'))).toBe(true)
    expect(isLeaseGone(new PandoraError('connection_lost'))).toBe(false)
    expect(isLeaseGone(new PandoraError('timeout'))).toBe(false)
    expect(isLeaseGone(new Error('unable_to_change_status'))).toBe(false)
  })
})

describe('Message.signal', () => {
  it('Message.signal - a refused renew aborts the signal with renewal_refused; an ack after it throws that reason', async () => {
    const msg = new Message(wireMessage(), noOps)
    const signal = msg.signal
    expect(signal.aborted).toBe(false)
    await expect(msg.renew(1000)).rejects.toMatchObject({ code: 'unable_to_change_status' })
    expect(signal.aborted).toBe(true)
    expect(signal.reason).toBeInstanceOf(LeaseLostError)
    expect(signal.reason.kind).toBe('renewal_refused')
    await expect(msg.ack()).rejects.toBe(signal.reason)
  })

  it('Message.signal - a signal first asked for after the loss is already aborted, with the same reason', () => {
    const msg = new Message(wireMessage(), noOps)
    const reason = new LeaseLostError('revoked')
    expect(msg.lose(reason)).toBe(true)
    expect(msg.lose(new LeaseLostError('expired'))).toBe(false)
    expect(msg.signal.aborted).toBe(true)
    expect(msg.signal.reason).toBe(reason)
  })

  it('Message.signal - a settled message is not lost afterwards', async () => {
    const msg = new Message(wireMessage(), noOps)
    await msg.ack()
    expect(msg.lose(new LeaseLostError('revoked'))).toBe(false)
    expect(msg.signal.aborted).toBe(false)
  })
})

/** Lets the frames pushed so far arrive and what they started run. */
const settled = () => new Promise((r) => setTimeout(r, 0))

function setup() {
  const hub = new MemoryHub()
  const client = new PandoraClient({ url: 'http://pandora.test', transport: hub.transport })
  return { hub, client }
}

describe('subscribe: lost leases', () => {
  afterEach(() => vi.useRealTimers())

  it('lost - a lost frame aborts the handler signal as revoked; the handler returns and nothing is acked or reported twice', async () => {
    const { hub, client } = setup()
    const errors: unknown[] = []
    let reason: unknown
    const sub = client.subscribe(
      'orders@shop',
      async (msg) => {
        // Ignores the signal's meaning: waits for it, then returns as if the work were done.
        await new Promise((resolve) => msg.signal.addEventListener('abort', resolve))
        reason = msg.signal.reason
      },
      { onError: (e) => errors.push(e) },
    )
    const conn = await hub.nextConnection()
    autoReply(conn)
    await sub.ready
    expect(conn.received.find((f) => f.type === 'subscribe')).toMatchObject({ lost: true })
    const wire = wireMessage()
    conn.push({ type: 'message', sub: sub.id, message: wire })
    // A lease this subscription does not hold (another lid) is not touched.
    conn.push({
      type: 'lost',
      sub: sub.id,
      leases: [{ mid: wire.mid, lid: 'f'.repeat(40) }],
      reason: 'purged',
    })
    await settled()
    expect(sub.active).toBe(1)
    conn.push({ type: 'lost', sub: sub.id, leases: [{ mid: wire.mid, lid: wire.lid }], reason: 'purged' })
    await sub.close()
    expect(reason).toBeInstanceOf(LeaseLostError)
    expect(reason).toMatchObject({ kind: 'revoked', cause: 'purged' })
    expect(errors).toEqual([reason])
    expect(conn.received.filter((f) => f.type === 'ack' || f.type === 'acks' || f.type === 'reject')).toEqual(
      [],
    )
    await client.close()
  })

  it('lost - a handler that throws because of the abort gets its message neither rejected nor reported again', async () => {
    const { hub, client } = setup()
    const errors: unknown[] = []
    const sub = client.subscribe(
      'orders@shop',
      async (msg) => {
        await new Promise((resolve) => msg.signal.addEventListener('abort', resolve))
        msg.signal.throwIfAborted()
      },
      { onError: (e) => errors.push(e) },
    )
    const conn = await hub.nextConnection()
    autoReply(conn)
    await sub.ready
    const wire = wireMessage()
    conn.push({ type: 'message', sub: sub.id, message: wire })
    conn.push({ type: 'lost', sub: sub.id, leases: [{ mid: wire.mid, lid: wire.lid }], reason: 'purged' })
    await settled()
    await sub.close()
    expect(errors).toEqual([expect.objectContaining({ kind: 'revoked' })])
    expect(conn.received.some((f) => f.type === 'reject' || f.type === 'ack')).toBe(false)
    await client.close()
  })

  it('lost - without onError the loss reaches the client error event once, and nothing is unhandled', async () => {
    const { hub, client } = setup()
    const errors: unknown[] = []
    client.on('error', (e) => errors.push(e))
    const sub = client.subscribe(
      'orders@shop',
      (msg) => new Promise<void>((r) => msg.signal.addEventListener('abort', () => r())),
    )
    const conn = await hub.nextConnection()
    autoReply(conn)
    await sub.ready
    const wire = wireMessage()
    conn.push({ type: 'message', sub: sub.id, message: wire })
    conn.push({ type: 'lost', sub: sub.id, leases: [{ mid: wire.mid, lid: wire.lid }], reason: 'purged' })
    await settled()
    await sub.close()
    expect(errors).toEqual([expect.any(LeaseLostError)])
    await client.close()
  })

  it('lost - after a reconnect each held lease is renewed at once, and a refusal aborts its signal', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] })
    const hub = new MemoryHub()
    const client = new PandoraClient({
      url: 'http://pandora.test',
      transport: hub.transport,
      reconnect: { initialDelay: 10, maxDelay: 10, jitter: 0 },
    })
    let lost: unknown
    const sub = client.subscribe(
      'orders@shop',
      async (msg) => {
        await new Promise((resolve) => msg.signal.addEventListener('abort', resolve))
        lost = msg.signal.reason
      },
      { leaseTime: 60_000, onError: () => {} },
    )
    const first = await hub.nextConnection()
    autoReply(first)
    await vi.advanceTimersByTimeAsync(0)
    await sub.ready
    const wire = wireMessage({ leasedUntil: new Date(Date.now() + 60_000).toISOString() })
    first.push({ type: 'message', sub: sub.id, message: wire })
    await vi.advanceTimersByTimeAsync(0)
    expect(sub.active).toBe(1)
    first.drop()
    await vi.advanceTimersByTimeAsync(10)
    const second = await hub.nextConnection()
    // This server gave the lease back when the first socket closed: it refuses the renewal.
    second.push({ type: 'welcome', protocol: 'pandora.v1', authRequired: false, maxSize: 4096, heartbeat: 0 })
    await vi.advanceTimersByTimeAsync(0)
    const renew = await second.waitFor('renew')
    expect(renew).toMatchObject({ mid: wire.mid, lid: wire.lid })
    second.push({
      type: 'error',
      ref: renew.ref,
      code: 'unable_to_change_status',
      message: 'unable to change status',
    })
    await vi.advanceTimersByTimeAsync(0)
    expect(lost).toMatchObject({ kind: 'renewal_refused', cause: expect.any(PandoraError) })
    // Well before the 30 s mark a regular renewal would have waited for.
    expect(Date.now() - Date.parse(wire.leasedUntil) + 60_000).toBeLessThan(1_000)
    void client.close({ timeout: 0 })
  })
})
