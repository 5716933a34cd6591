import { ManualClock, MemoryStore, type ServerFrame, type WatchEvent } from '@pandora/core'
import { afterEach, describe, expect, it } from 'vitest'
import { json, STORE_KINDS, startServer, uniqueMailbox } from '../../../../test-support/server.js'
import { SocketPool, type TestSocket } from '../../../../test-support/test-socket.js'
import type { PandoraServer } from '../create-server.js'

type Changes = Extract<ServerFrame, { type: 'changes' }>

let server: PandoraServer
const sockets = new SocketPool()
afterEach(async () => {
  await sockets.closeAll()
  await server?.close()
})
const open = async (headers?: Record<string, string>) => {
  const s = await sockets.open(server.url, headers)
  await s.next('welcome')
  return s
}
const send = (receiver: string, fields: Record<string, string> = {}, headers: Record<string, string> = {}) =>
  json(`${server.url}/v1/messages`, 'POST', { sender: 's@test', receiver, fields }, headers)
const counted = (frames: Changes[], receiver: string, kind: WatchEvent['kind']) =>
  frames.flatMap((f) => f.events).filter((e) => e.receiver === receiver && e.kind === kind)
/** Takes `changes` frames until `done` holds for those taken so far. */
async function changesUntil(ws: TestSocket, done: (frames: Changes[]) => boolean): Promise<Changes[]> {
  const frames: Changes[] = []
  while (!done(frames)) frames.push(await ws.next('changes'))
  return frames
}
const scrape = async () => (await fetch(`${server.url}/metrics`)).text()

describe.each(STORE_KINDS)('admin event stream (%s store)', (kind) => {
  it('watch - answers with the counts, then a send shows as a changes frame with the mid and the new counts', async () => {
    server = await startServer({ kind })
    const box = uniqueMailbox()
    await send(box, { n: '1' })
    const ws = await open()
    ws.send({ type: 'watch', ref: 'w' })
    const watching = await ws.next('watching', (f) => f.ref === 'w')
    expect(watching.mailboxes).toContainEqual({
      receiver: box,
      pending: 1,
      leased: 0,
      delayed: 0,
      dead: 0,
      confirmed: 0,
    })
    const { body } = await send(box, { n: '2' })
    const frame = await ws.next('changes', (f) => f.events.some((e) => e.receiver === box))
    expect(frame.events).toContainEqual({ receiver: box, kind: 'sent', count: 1, mids: [body.mid] })
    expect(frame.mailboxes).toContainEqual(expect.objectContaining({ receiver: box, pending: 2 }))
  })

  it('watch - many sends arrive as few frames, the last carrying the latest counts', async () => {
    server = await startServer({ kind })
    const box = uniqueMailbox()
    const ws = await open()
    ws.send({ type: 'watch', receiver: box, ref: 'w' })
    await ws.next('watching')
    await Promise.all(Array.from({ length: 100 }, (_, i) => send(box, { i: String(i) })))
    const frames = await changesUntil(
      ws,
      (fs) => counted(fs, box, 'sent').reduce((n, e) => n + e.count, 0) >= 100,
    )
    // One frame per coalescing window, never one per message.
    expect(frames.length).toBeLessThan(20)
    const last = frames.at(-1)!.mailboxes.find((m) => m.receiver === box)
    expect(last).toMatchObject({ pending: 100, leased: 0 })
    // Mids are listed up to a cap; the count says how many there were.
    for (const e of counted(frames, box, 'sent')) expect(e.mids.length).toBe(Math.min(e.count, 64))
  })

  it('watch - a scoped watch sees its mailbox only', async () => {
    server = await startServer({ kind })
    const mine = uniqueMailbox()
    const other = uniqueMailbox()
    await send(other)
    const ws = await open()
    ws.send({ type: 'watch', receiver: mine, ref: 'w' })
    const watching = await ws.next('watching')
    expect(watching).toMatchObject({ receiver: mine, mailboxes: [{ receiver: mine, pending: 0 }] })
    await send(other, { n: '2' })
    await send(mine)
    const frame = await ws.next('changes')
    expect(frame.events.map((e) => e.receiver)).toEqual([mine])
    expect(frame.mailboxes.map((m) => m.receiver)).toEqual([mine])
    expect(ws.pending('changes')).toEqual([])
  })

  it('watch - leases, acks, rejects and purges made by other sockets and requests show with their mids', async () => {
    server = await startServer({ kind })
    const box = uniqueMailbox()
    const ws = await open()
    ws.send({ type: 'watch', receiver: box })
    await ws.next('watching')
    const worker = await open()
    worker.send({ type: 'subscribe', sub: 's', receiver: box, prefetch: 1 })
    const first = await send(box, { n: '1' })
    const pushed = await worker.next('message')
    worker.send({ type: 'ack', mid: pushed.message.mid, lid: pushed.message.lid, ref: 'a' })
    await worker.next('ok', (f) => f.ref === 'a')
    const leasedAndAcked = await changesUntil(ws, (fs) => counted(fs, box, 'acked').length > 0)
    expect(counted(leasedAndAcked, box, 'leased')[0]?.mids).toEqual([first.body.mid])
    expect(counted(leasedAndAcked, box, 'acked')[0]?.mids).toEqual([first.body.mid])
    expect(leasedAndAcked.at(-1)!.mailboxes).toEqual([
      { receiver: box, pending: 0, leased: 0, delayed: 0, dead: 0, confirmed: 1 },
    ])
    await worker.close()

    const second = await send(box, { n: '2' })
    const fetched = await json(`${server.url}/v1/mailboxes/${encodeURIComponent(box)}/fetch`, 'POST', {})
    const [leased] = fetched.body.messages as { mid: string; lid: string }[]
    await json(`${server.url}/v1/messages/${leased!.mid}/reject`, 'POST', { lid: leased!.lid })
    const rejected = await changesUntil(ws, (fs) => counted(fs, box, 'rejected').length > 0)
    expect(counted(rejected, box, 'rejected')[0]?.mids).toEqual([second.body.mid])

    await json(`${server.url}/v1/mailboxes/${encodeURIComponent(box)}`, 'DELETE')
    const purged = await changesUntil(ws, (fs) => counted(fs, box, 'purged').length > 0)
    expect(counted(purged, box, 'purged')[0]).toMatchObject({ count: 2, mids: [] })
    expect(purged.at(-1)!.mailboxes).toEqual([
      { receiver: box, pending: 0, leased: 0, delayed: 0, dead: 0, confirmed: 0 },
    ])
  })
})

describe('admin event stream', () => {
  it('watch - a token without admin rights is refused with forbidden and keeps its socket', async () => {
    server = await startServer({
      tokens: [
        { token: 'admin-token-1', scopes: { admin: true } },
        { token: 'worker-token-1', scopes: { receive: ['*'], send: ['*'] } },
      ],
    })
    const worker = await open({ authorization: 'Bearer worker-token-1' })
    worker.send({ type: 'watch', ref: 'w' })
    expect(await worker.next('error', (f) => f.ref === 'w')).toMatchObject({ code: 'forbidden' })
    worker.send({ type: 'ping', ref: 'p' })
    await worker.next('pong', (f) => f.ref === 'p')

    const admin = await open({ authorization: 'Bearer admin-token-1' })
    admin.send({ type: 'watch', ref: 'w' })
    await admin.next('watching', (f) => f.ref === 'w')
  })

  it('watch - unwatch and a closed socket stop the stream; the watchers gauge goes back to 0', async () => {
    server = await startServer()
    const box = uniqueMailbox()
    const ws = await open()
    ws.send({ type: 'watch', ref: 'w' })
    await ws.next('watching')
    expect(await scrape()).toContain('pandora_watchers_connected 1')
    ws.send({ type: 'unwatch', ref: 'u' })
    await ws.next('ok', (f) => f.ref === 'u')
    expect(await scrape()).toContain('pandora_watchers_connected 0')

    const other = await open()
    other.send({ type: 'watch', receiver: box })
    await other.next('watching')
    expect(await scrape()).toContain('pandora_watchers_connected 1')
    await other.close()
    await expect.poll(scrape).toContain('pandora_watchers_connected 0')
    // A send after both stopped reaches neither.
    await send(box)
    ws.send({ type: 'ping', ref: 'p' })
    await ws.next('pong', (f) => f.ref === 'p')
    expect(ws.pending('changes')).toEqual([])
  })

  it('watch - a lease running out, which no signal announces, shows at the periodic recount', async () => {
    const clock = new ManualClock(Date.parse('2030-01-01T00:00:00Z'))
    server = await startServer({ store: new MemoryStore({ clock }), watchResyncMs: 50 })
    const box = uniqueMailbox()
    await send(box)
    await json(`${server.url}/v1/mailboxes/${encodeURIComponent(box)}/fetch`, 'POST', { leaseTime: 1000 })
    const ws = await open()
    ws.send({ type: 'watch' })
    const watching = await ws.next('watching')
    expect(watching.mailboxes).toContainEqual(expect.objectContaining({ receiver: box, leased: 1 }))
    clock.advance(2000)
    const frame = await ws.next('changes', (f) => f.mailboxes.some((m) => m.receiver === box))
    expect(frame.mailboxes).toContainEqual(expect.objectContaining({ receiver: box, pending: 1, leased: 0 }))
  })
})
