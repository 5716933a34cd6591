import { afterEach, describe, expect, it } from 'vitest'
import { json, STORE_KINDS, startServer, uniqueMailbox } from '../../../../test-support/server.js'
import { SocketPool, TestSocket } from '../../../../test-support/test-socket.js'
import type { PandoraServer } from '../create-server.js'

let server: PandoraServer
const sockets = new SocketPool()
afterEach(async () => {
  await sockets.closeAll()
  await server?.close()
})
const open = async () => {
  const s = await sockets.open(server.url)
  await s.next('welcome')
  return s
}
const send = (receiver: string, fields: Record<string, string>) =>
  json(`${server.url}/v1/messages`, 'POST', { sender: 's@test', receiver, fields })
const purge = (receiver: string) =>
  json(`${server.url}/v1/mailboxes/${encodeURIComponent(receiver)}`, 'DELETE')

/** A server, and a socket subscribed as `s1` (asking for lost frames) to a new mailbox. */
async function subscribedForLost(kind: (typeof STORE_KINDS)[number], tag: string, prefetch: number) {
  server = await startServer({ kind })
  const box = uniqueMailbox(tag)
  const ws = await open()
  ws.send({ type: 'subscribe', sub: 's1', receiver: box, prefetch, lost: true, batch: true, ref: 'r' })
  await ws.next('subscribed')
  return { box, ws }
}

describe.each(STORE_KINDS)('WebSocket lost frames (%s store)', (kind) => {
  it('lost - the welcome announces the lost feature', async () => {
    server = await startServer({ kind })
    const ws = await TestSocket.open(server.url)
    sockets.track(ws)
    expect((await ws.next('welcome')).features).toContain('lost')
  })

  it('lost - a purge tells the subscription that asked which of its leases are gone, and its credit comes back', async () => {
    const { box, ws } = await subscribedForLost(kind, 'lost', 2)
    await send(box, { n: '1' })
    await send(box, { n: '2' })
    const held = []
    while (held.length < 2) held.push(...(await ws.next('messages')).messages)

    expect((await purge(box)).body).toEqual({ count: 2 })
    const lost = await ws.next('lost')
    expect(lost).toMatchObject({ sub: 's1', reason: 'purged' })
    expect(new Set(lost.leases.map((l) => `${l.mid}/${l.lid}`))).toEqual(
      new Set(held.map((m) => `${m.mid}/${m.lid}`)),
    )

    // Both slots are free again: new messages arrive although nothing was acked.
    await send(box, { n: '3' })
    await send(box, { n: '4' })
    const next = []
    while (next.length < 2) next.push(...(await ws.next('messages')).messages)
    expect(next.map((m) => m.fields.n)).toEqual([['3'], ['4']])
  })

  it('lost - a purge through the server store (an embedding program, not the route) tells the holder too', async () => {
    const { box, ws } = await subscribedForLost(kind, 'embedded', 1)
    await send(box, { n: '1' })
    const [held] = (await ws.next('messages')).messages
    expect(await server.store.purge(box)).toBe(1)
    const lost = await ws.next('lost')
    expect(lost).toMatchObject({ sub: 's1', reason: 'purged', leases: [{ mid: held!.mid, lid: held!.lid }] })
  })

  it('lost - a subscription that did not ask gets no lost frame, and other mailboxes are not touched', async () => {
    server = await startServer({ kind })
    const box = uniqueMailbox('quiet')
    const other = uniqueMailbox('other')
    const ws = await open()
    ws.send({ type: 'subscribe', sub: 'plain', receiver: box })
    ws.send({ type: 'subscribe', sub: 'asked', receiver: other, lost: true })
    await ws.next('subscribed', (f) => f.sub === 'plain')
    await ws.next('subscribed', (f) => f.sub === 'asked')
    await send(box, { n: '1' })
    await send(other, { n: '1' })
    const a = await ws.next('message', (f) => f.sub === 'plain')
    await ws.next('message', (f) => f.sub === 'asked')

    await purge(box)
    // A ping's pong comes after anything the purge made the server send on this socket.
    ws.send({ type: 'ping', ref: 'after' })
    await ws.next('pong', (f) => f.ref === 'after')
    expect(ws.pending('lost')).toEqual([])
    // The plain subscription's slot is free anyway: the server forgot the lease.
    await send(box, { n: '2' })
    const b = await ws.next('message', (f) => f.sub === 'plain')
    expect(b.message.mid).not.toBe(a.message.mid)
    expect(await server.store.stats(other)).toMatchObject({ leased: 1 })
  })
})
