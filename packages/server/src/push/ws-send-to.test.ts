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
  await s.next('welcome')
  return s
}

describe.each(STORE_KINDS)('WebSocket send with priorities and fan-out (%s store)', (kind) => {
  it('send frame - a message with `to` answers a result per recipient; priorities order what is pushed', async () => {
    server = await startServer({ kind })
    const [a, b] = [uniqueMailbox('a'), uniqueMailbox('b')]
    const ws = await open()
    ws.send({
      type: 'send',
      ref: 'f',
      messages: [
        { sender: 's@test', receiver: a, fields: { n: 'low' }, priority: -1 },
        { sender: 's@test', to: [a, b], fields: { n: 'all' }, priority: 7 },
        { sender: 's@test', to: [b, 'bad\u0000'], fields: { n: 'x' } },
      ],
    })
    const reply = await ws.next('error', (f) => f.ref === 'f')
    // One bad name refuses the frame, as any invalid message of a frame does; nothing stored.
    expect(reply).toMatchObject({ code: 'invalid_mailbox' })
    ws.send({
      type: 'send',
      ref: 'g',
      messages: [
        { sender: 's@test', receiver: a, fields: { n: 'low' }, priority: -1 },
        { sender: 's@test', to: [a, b], fields: { n: 'all' }, priority: 7 },
        { sender: 's@test', to: b, fields: { n: 'big'.repeat(2000) } },
      ],
    })
    const sent = await ws.next('sent', (f) => f.ref === 'g')
    const [low, all, big] = sent.results
    expect(low).toMatchObject({ duplicate: false })
    expect(all).toMatchObject({ results: [{ duplicate: false }, { duplicate: false }] })
    expect(big).toMatchObject({ results: [{ error: { code: 'message_too_big' } }] })
    const fetched = await json(`${server.url}/v1/mailboxes/${encodeURIComponent(a)}/fetch`, 'POST', {
      leaseTime: 30_000,
      max: 5,
    })
    const messages = fetched.body.messages as { mid: string; priority: number; fields: { n: string[] } }[]
    expect(messages.map((m) => [m.fields.n[0], m.priority])).toEqual([
      ['all', 7],
      ['low', -1],
    ])
  })

  it('send frame - a priority out of bounds is refused with invalid_priority', async () => {
    server = await startServer({ kind })
    const ws = await open()
    ws.send({
      type: 'send',
      ref: 'p',
      messages: [{ sender: 's@test', receiver: uniqueMailbox(), fields: { a: '1' }, priority: 11 }],
    })
    expect(await ws.next('error', (f) => f.ref === 'p')).toMatchObject({ code: 'invalid_priority' })
  })
})
