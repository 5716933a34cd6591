import { afterEach, describe, expect, it } from 'vitest'
import { json, STORE_KINDS, startServer, uniqueMailbox } from '../../../../test-support/server.js'
import type { PandoraServer } from '../create-server.js'

let server: PandoraServer
afterEach(async () => server?.close())
const v1 = (path: string) => `${server.url}/v1${path}`
const fetchOne = async (box: string, max = 1) =>
  (await json(v1(`/mailboxes/${encodeURIComponent(box)}/fetch`), 'POST', { leaseTime: 30_000, max })).body
    .messages as { mid: string; priority: number; fields: Record<string, string[]> }[]

describe.each(STORE_KINDS)('JSON API priorities and fan-out (%s store)', (kind) => {
  it('priority - sent with a message, delivered higher first, shown by headers and the message view', async () => {
    server = await startServer({ kind })
    const box = uniqueMailbox()
    const send = (n: string, priority?: number) =>
      json(v1('/messages'), 'POST', {
        sender: 'a@test',
        receiver: box,
        fields: { n },
        ...(priority === undefined ? {} : { priority }),
      })
    const plain = await send('plain')
    const urgent = await send('urgent', 10)
    const background = await send('background', -10)
    const got = await fetchOne(box, 3)
    expect(got.map((m) => m.mid)).toEqual([urgent.body.mid, plain.body.mid, background.body.mid])
    expect(got.map((m) => m.priority)).toEqual([10, 0, -10])
    const view = await json(v1(`/messages/${urgent.body.mid}`), 'GET')
    expect(view.body).toMatchObject({ priority: 10 })
    const headers = await json(v1(`/mailboxes/${encodeURIComponent(box)}/headers`), 'GET')
    expect((headers.body.headers as { priority: number }[]).map((h) => h.priority)).toEqual([0, 10, -10])
  })

  it('priority - out of bounds or not a whole number is a 400 invalid_priority, nothing stored', async () => {
    server = await startServer({ kind })
    const box = uniqueMailbox()
    for (const priority of [11, -11, 0.5, '1']) {
      const r = await json(v1('/messages'), 'POST', {
        sender: 'a@test',
        receiver: box,
        fields: { a: '1' },
        priority,
      })
      expect(r).toMatchObject({ status: 400, body: { code: 'invalid_priority' } })
    }
    const batch = await json(v1('/messages/batch'), 'POST', {
      messages: [{ sender: 'a@test', receiver: box, fields: { a: '1' }, priority: 99 }],
    })
    expect(batch).toMatchObject({ status: 400, body: { code: 'invalid_priority' } })
    expect((await json(v1(`/mailboxes/${encodeURIComponent(box)}`), 'GET')).body).toMatchObject({
      pending: 0,
    })
  })

  it('fan-out - to a list: a result per recipient; each gets the body a single send gives', async () => {
    server = await startServer({ kind })
    const [a, b] = [uniqueMailbox('a'), uniqueMailbox('b')]
    const clientTime = '2024-01-01T00:00:00Z'
    const fields = { report: 'weekly' }
    const single = await json(v1('/messages'), 'POST', { sender: 'x@test', receiver: a, fields, clientTime })
    const fan = await json(v1('/messages'), 'POST', {
      sender: 'x@test',
      to: [a, b],
      fields,
      clientTime,
      priority: 2,
    })
    expect(fan.status).toBe(200)
    const results = fan.body.results as { mid: string; duplicate: boolean }[]
    expect(results[0]).toEqual({ mid: single.body.mid, duplicate: true })
    expect(results[1]).toMatchObject({ duplicate: false })
    const [mb] = await fetchOne(b)
    expect(mb).toMatchObject({ mid: results[1]!.mid, priority: 2 })
    expect(mb!.fields).toEqual({
      clientTime: [clientTime],
      receiver: [b],
      report: ['weekly'],
      sender: ['x@test'],
    })
    // `to` with one name is a fan-out of one.
    const one = await json(v1('/messages'), 'POST', { sender: 'x@test', to: b, fields: { n: '1' } })
    expect(one).toMatchObject({ status: 200, body: { results: [{ duplicate: false }] } })
  })

  it('fan-out - receiver and to together, an empty list, 65 names or a bad name are refused whole', async () => {
    server = await startServer({ kind })
    const a = uniqueMailbox('a')
    const base = { sender: 'x@test', fields: { n: '1' } }
    const refused = [
      [{ ...base, receiver: a, to: [a] }, 'invalid_input'],
      [{ ...base }, 'invalid_input'],
      [{ ...base, to: [] }, 'invalid_input'],
      [{ ...base, to: Array.from({ length: 65 }, (_, i) => `${a}.${i}`) }, 'invalid_input'],
      [{ ...base, to: [a, 'bad\nname'] }, 'invalid_mailbox'],
    ] as const
    for (const [body, code] of refused) {
      expect(await json(v1('/messages'), 'POST', body)).toMatchObject({ status: 400, body: { code } })
    }
    expect((await json(v1(`/mailboxes/${encodeURIComponent(a)}`), 'GET')).body).toMatchObject({ pending: 0 })
  })

  it('fan-out - a recipient the token may not send to is refused alone; the others are stored', async () => {
    server = await startServer({ kind, tokens: [{ token: 'shop-sender-1', scopes: { send: ['*@shop'] } }] })
    const auth = { authorization: 'Bearer shop-sender-1' }
    const fan = await json(
      v1('/messages'),
      'POST',
      { sender: 'x@shop', to: ['orders@shop', 'audit@bank', 'mail@shop'], fields: { n: '1' } },
      auth,
    )
    const results = fan.body.results as ({ duplicate: boolean } | { error: { code: string } })[]
    expect(results.map((r) => ('error' in r ? r.error.code : r.duplicate))).toEqual([
      false,
      'forbidden',
      false,
    ])
  })
})
