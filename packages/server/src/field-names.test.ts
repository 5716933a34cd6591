import { afterEach, describe, expect, it } from 'vitest'
import { json, STORE_KINDS, startServer, uniqueMailbox } from '../../../test-support/server.js'
import { SocketPool, TestSocket } from '../../../test-support/test-socket.js'
import type { PandoraServer } from './create-server.js'

// Field names are chosen by users: names of Object.prototype's members are names like any other,
// on every route (issue 9: such a message used to block its mailbox, and `__proto__` vanished).

/** Prototype member names, each sent with two values. */
const NAMES = ['constructor', 'toString', 'valueOf', 'hasOwnProperty', '__proto__', 'isPrototypeOf']
const valuesOf = (name: string) => [`${name}-1`, `${name}-2`]
/** The fields as JSON with `__proto__` as an own key (what JSON.parse makes of a request body). */
const protoFields = (): Record<string, string[]> =>
  JSON.parse(JSON.stringify(Object.fromEntries(NAMES.map((n) => [n, valuesOf(n)]))))
/** The own fields of a body, in a plain record for comparison (`__proto__` included). */
const own = (fields: unknown): Record<string, unknown> => {
  const f = fields as object
  return Object.fromEntries(Object.keys(f).map((k) => [k, Object.getOwnPropertyDescriptor(f, k)?.value]))
}
const expectProtoFields = (fields: unknown) => {
  expect(own(fields)).toMatchObject(Object.fromEntries(NAMES.map((n) => [n, valuesOf(n)])))
}

let server: PandoraServer
const sockets = new SocketPool()
afterEach(async () => {
  await sockets.closeAll()
  await server?.close()
})

describe.each(STORE_KINDS)('field names (%s store)', (kind) => {
  it('form API - prototype field names round-trip from /send to /fetch; the mailbox keeps flowing', async () => {
    server = await startServer({ kind })
    const box = uniqueMailbox()
    const form = new URLSearchParams([
      ['sender', 'a@local'],
      ['receiver', box],
      ...NAMES.flatMap((n) => valuesOf(n).map((v): [string, string] => [n, v])),
    ])
    const post = (path: string, body: URLSearchParams) =>
      fetch(`${server.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: body.toString(),
      }).then(async (res) => ({ status: res.status, body: new URLSearchParams(await res.text()) }))
    const sent = await post('/send', form)
    expect(sent.status).toBe(200)
    const behind = await post('/send', new URLSearchParams({ sender: 'a@local', receiver: box, n: '2' }))

    const fetched = await post('/fetch', new URLSearchParams({ receiver: box }))
    expect(fetched.status).toBe(200)
    expect(fetched.body.get('mid')).toBe(sent.body.get('mid'))
    for (const n of NAMES) expect(fetched.body.getAll(n)).toEqual(valuesOf(n))
    const next = await post('/fetch', new URLSearchParams({ receiver: box }))
    expect(next.body.get('mid')).toBe(behind.body.get('mid'))
  })

  it('JSON API - prototype names and __proto__ round-trip through send, batch, fetch and GET message', async () => {
    server = await startServer({ kind })
    const box = uniqueMailbox()
    const sent = await json(`${server.url}/v1/messages`, 'POST', {
      sender: 'a@test',
      receiver: box,
      fields: protoFields(),
    })
    expect(sent.status).toBe(201)
    const batch = await json(`${server.url}/v1/messages/batch`, 'POST', {
      messages: [
        { sender: 'a@test', receiver: box, fields: protoFields(), clientTime: '2024-01-01T00:00:00Z' },
        { sender: 'a@test', receiver: box, fields: JSON.parse('{"__proto__": "alone"}') },
      ],
    })
    expect(batch.status).toBe(200)
    const mids = [sent.body.mid, ...(batch.body.results as { mid: string }[]).map((r) => r.mid)]

    const fetched = await json(`${server.url}/v1/mailboxes/${encodeURIComponent(box)}/fetch`, 'POST', {
      max: 10,
    })
    const messages = fetched.body.messages as { mid: string; fields: unknown }[]
    expect(messages.map((m) => m.mid)).toEqual(mids)
    expectProtoFields(messages[0]!.fields)
    expectProtoFields(messages[1]!.fields)
    expect(own(messages[2]!.fields)).toMatchObject(Object.fromEntries([['__proto__', ['alone']]]))
    expect(Object.keys(messages[2]!.fields as object)).not.toContain('constructor')

    const detail = await json(`${server.url}/v1/messages/${mids[0]}`, 'GET')
    expect(detail.status).toBe(200)
    expectProtoFields(detail.body.fields)
  })

  it('WebSocket push - a subscriber gets prototype-named fields, and the messages behind them', async () => {
    server = await startServer({ kind })
    const box = uniqueMailbox()
    const ws = await TestSocket.open(server.url)
    sockets.track(ws)
    ws.send({ type: 'subscribe', sub: 's', receiver: box, prefetch: 2 })
    await ws.next('subscribed')
    const send = (fields: unknown) =>
      json(`${server.url}/v1/messages`, 'POST', { sender: 'a@test', receiver: box, fields })
    const first = await send(protoFields())
    const second = await send({ n: '2' })
    const a = await ws.next('message')
    const b = await ws.next('message')
    expect([a.message.mid, b.message.mid]).toEqual([first.body.mid, second.body.mid])
    expectProtoFields(a.message.fields)
  })
})
