import { afterEach, describe, expect, it } from 'vitest'
import { json, STORE_KINDS, startServer, uniqueMailbox } from '../../../../test-support/server.js'
import { SocketPool } from '../../../../test-support/test-socket.js'
import type { PandoraServer } from '../create-server.js'

let server: PandoraServer
const sockets = new SocketPool()
afterEach(async () => {
  await sockets.closeAll()
  await server?.close()
})
const open = async () => {
  const s = await sockets.open(server.url)
  return s
}
const sendBatch = (receiver: string, n: number) =>
  json(`${server.url}/v1/messages/batch`, 'POST', {
    messages: Array.from({ length: n }, (_, i) => ({ sender: 's@test', receiver, fields: { i: String(i) } })),
  })

describe.each(STORE_KINDS)('WebSocket batch frames (%s store)', (kind) => {
  it('welcome - announces the acks, messages and send frames', async () => {
    server = await startServer({ kind })
    const ws = await open()
    const welcome = await ws.next('welcome')
    expect(welcome.features).toEqual(expect.arrayContaining(['acks', 'messages', 'send']))
  })

  it('send - messages sent over the socket are stored and pushed; a bad one is refused alone', async () => {
    server = await startServer({ kind })
    const box = uniqueMailbox()
    const ws = await open()
    await ws.next('welcome')
    ws.send({
      type: 'send',
      ref: 'x',
      messages: [
        { sender: 's@test', receiver: box, fields: { i: '1' } },
        { sender: 's@test', receiver: box, fields: { big: 'y'.repeat(5000) } },
        { sender: 's@test', receiver: box, fields: { i: '2' } },
        { sender: 's@test', receiver: box, fields: { i: '1' }, clientTime: '2024-01-01T00:00:00Z' },
        { sender: 's@test', receiver: box, fields: { i: '1' }, clientTime: '2024-01-01T00:00:00Z' },
      ],
    })
    const sent = await ws.next('sent')
    expect(sent.ref).toBe('x')
    expect(
      sent.results.map((r) => ('error' in r ? r.error.code : 'results' in r ? r.results : r.duplicate)),
    ).toEqual([false, 'message_too_big', false, false, true])
    expect(await server.store.stats(box)).toMatchObject({ pending: 3 })
    ws.send({ type: 'subscribe', sub: 'r', receiver: box, prefetch: 8, batch: true })
    const pushed = await ws.next('messages')
    expect(pushed.messages.map((m) => m.mid)).toEqual(
      sent.results.flatMap((r) => ('mid' in r && !r.duplicate ? [r.mid] : [])),
    )
  })

  it('sendBatch - all or nothing over the socket: one sent frame for a good batch; one bad message fails the frame and stores none', async () => {
    server = await startServer({ kind })
    const box = uniqueMailbox()
    const ws = await open()
    expect((await ws.next('welcome')).features).toContain('send-batch')
    const good = [1, 2, 3].map((i) => ({ sender: 's@test', receiver: box, fields: { i: String(i) } }))
    ws.send({ type: 'sendBatch', ref: 'b1', messages: good })
    const sent = await ws.next('sent')
    expect(sent.ref).toBe('b1')
    expect(sent.results.map((r) => ('duplicate' in r ? r.duplicate : r))).toEqual([false, false, false])
    expect(await server.store.stats(box)).toMatchObject({ pending: 3 })

    ws.send({
      type: 'sendBatch',
      ref: 'b2',
      messages: [
        { sender: 's@test', receiver: box, fields: { i: '4' } },
        { sender: 's@test', receiver: box, fields: { big: 'y'.repeat(5000) } },
      ],
    })
    expect(await ws.next('error')).toMatchObject({ ref: 'b2', code: 'message_too_big' })
    expect(await server.store.stats(box)).toMatchObject({ pending: 3 })
  })

  it('messages - a batching subscriber gets queued messages in one frame, up to its prefetch', async () => {
    server = await startServer({ kind })
    const box = uniqueMailbox()
    await sendBatch(box, 5)
    const ws = await open()
    ws.send({ type: 'subscribe', sub: 'b', receiver: box, prefetch: 3, batch: true })
    const frame = await ws.next('messages')
    expect(frame.sub).toBe('b')
    expect(frame.messages.map((m) => m.fields.i)).toEqual([['0'], ['1'], ['2']])
    expect(ws.pending('message')).toEqual([])
    expect(await server.store.stats(box)).toMatchObject({ pending: 2, leased: 3 })
  })

  it('acks - confirms several leases with one frame; a stale one is reported by position', async () => {
    server = await startServer({ kind })
    const box = uniqueMailbox()
    await sendBatch(box, 3)
    const ws = await open()
    ws.send({ type: 'subscribe', sub: 'b', receiver: box, prefetch: 3, batch: true })
    const { messages } = await ws.next('messages')
    const items = messages.map((m) => ({ mid: m.mid, lid: m.lid }))
    items[1] = { mid: items[1]!.mid, lid: 'f'.repeat(40) }
    ws.send({ type: 'acks', items, ref: 'k' })
    const ok = await ws.next('ok', (f) => f.ref === 'k')
    expect(ok.errors).toEqual([{ index: 1, code: 'unable_to_change_status', message: expect.any(String) }])
    expect(await server.store.stats(box)).toMatchObject({ confirmed: 2, leased: 1 })
  })

  it('acks - all confirmed: the ok frame carries no errors, and credit comes back', async () => {
    server = await startServer({ kind })
    const box = uniqueMailbox()
    await sendBatch(box, 4)
    const ws = await open()
    ws.send({ type: 'subscribe', sub: 'b', receiver: box, prefetch: 2, batch: true })
    const first = await ws.next('messages')
    ws.send({ type: 'acks', items: first.messages.map((m) => ({ mid: m.mid, lid: m.lid })), ref: 'a' })
    const ok = await ws.next('ok', (f) => f.ref === 'a')
    expect(ok.errors).toBeUndefined()
    const second = await ws.next('messages')
    expect(second.messages.map((m) => m.fields.i)).toEqual([['2'], ['3']])
  })

  // The memory store has no commits to count.
  it.runIf(kind === 'sqlite')(
    'acks - the refill is leased in the same commit as the acks (one transaction a round trip)',
    async () => {
      server = await startServer({ kind })
      const stats = () => server.store.writeStats!()
      const box = uniqueMailbox()
      await sendBatch(box, 4)
      const ws = await open()
      ws.send({ type: 'subscribe', sub: 'b', receiver: box, prefetch: 2, batch: true })
      const first = await ws.next('messages')
      const before = stats().commits
      ws.send({ type: 'acks', items: first.messages.map((m) => ({ mid: m.mid, lid: m.lid })), ref: 'a' })
      const second = await ws.next('messages')
      await ws.next('ok', (f) => f.ref === 'a')
      expect(second.messages.map((m) => m.fields.i)).toEqual([['2'], ['3']])
      expect(stats().commits - before).toBe(1)
    },
  )

  it('acks - an empty list is refused; leases nobody holds each fail alone', async () => {
    server = await startServer({ kind })
    const ws = await open()
    ws.send({ type: 'acks', items: [], ref: 'e' })
    const err = await ws.next('error', (f) => f.ref === 'e')
    expect(err.code).toBe('invalid_input')
    const item = { mid: 'a'.repeat(40), lid: 'b'.repeat(40) }
    ws.send({ type: 'acks', items: [item, item], ref: 'two' })
    const two = await ws.next('ok', (f) => f.ref === 'two')
    expect(two.errors?.map((e) => e.index)).toEqual([0, 1])
  })
})
