import { afterEach, describe, expect, it } from 'vitest'
import { postForm, STORE_KINDS, startServer, uniqueMailbox } from '../../../../test-support/server.js'
import type { PandoraServer } from '../create-server.js'

let server: PandoraServer
afterEach(async () => server?.close())

describe.each(STORE_KINDS)('form API (%s store)', (kind) => {
  it('original flow - /send, /fetch with leaseTime=5m, /ack with statusCode=1', async () => {
    server = await startServer({ kind })
    expect(server.store.kind).toBe(kind)
    const box = uniqueMailbox()
    const sent = await postForm(`${server.url}/send`, {
      sender: 'a@local',
      receiver: box,
      topic: 'hello',
      x: 'y z',
    })
    expect(sent.status).toBe(200)
    const mid = sent.body.get('mid')!
    expect(mid).toMatch(/^[0-9a-f]{40}$/)

    const fetched = await postForm(`${server.url}/fetch`, { receiver: box, leaseTime: '5m' })
    expect(fetched.status).toBe(200)
    expect(fetched.body.get('mid')).toBe(mid)
    expect(fetched.body.get('topic')).toBe('hello')
    expect(fetched.body.get('x')).toBe('y z')
    expect(fetched.body.get('sender')).toBe('a@local')
    expect(fetched.body.get('statusCode')).toBe('8')
    expect(fetched.body.get('deliveryCount')).toBe('1')
    const leasedUntil = Date.parse(fetched.body.get('leasedUntil')!)
    const receivedAt = Date.parse(fetched.body.get('receivedAt')!)
    expect(leasedUntil - receivedAt).toBeGreaterThanOrEqual(5 * 60_000 - 1000)
    const lid = fetched.body.get('lid')!

    const acked = await postForm(`${server.url}/ack`, { mid, lid, statusCode: '1' })
    expect(acked.status).toBe(200)
    const again = await postForm(`${server.url}/fetch`, { receiver: box, leaseTime: '5m' })
    expect(again.status).toBe(204)
    expect(again.text).toBe('')
  })

  it('send - the same body twice gives the same mid; /api prefix works too', async () => {
    server = await startServer({ kind })
    const box = uniqueMailbox()
    const form = { sender: 'a@local', receiver: box, clientTime: '2024-01-01T00:00:00Z', k: 'v' }
    const a = await postForm(`${server.url}/send`, form)
    const b = await postForm(`${server.url}/api/send`, form)
    expect(b.body.get('mid')).toBe(a.body.get('mid'))
    await postForm(`${server.url}/fetch`, { receiver: box })
    const none = await postForm(`${server.url}/fetch`, { receiver: box })
    expect(none.status).toBe(204)
  })

  it('send - a Go duration delay holds the message back', async () => {
    server = await startServer({ kind })
    const box = uniqueMailbox()
    const sent = await postForm(`${server.url}/send`, { sender: 'a@local', receiver: box, delay: '1h30m' })
    expect(sent.status).toBe(200)
    const r = await postForm(`${server.url}/fetch`, { receiver: box })
    expect(r.status).toBe(204)
    const [header] = await server.store.headers(box)
    expect(header!.sendWhen - header!.receivedAt).toBe(90 * 60_000)
  })

  it('errors - the original messages, 400 with error=, nothing stored', async () => {
    server = await startServer({ kind })
    const box = uniqueMailbox()
    const bad = await postForm(`${server.url}/send`, { sender: 'a@local', receiver: '' })
    expect(bad.status).toBe(400)
    expect(bad.body.get('error')).toBe('invalid mailbox')
    const big = await postForm(`${server.url}/send`, {
      sender: 'a@local',
      receiver: box,
      big: 'x'.repeat(5000),
    })
    expect(big.status).toBe(400)
    expect(big.body.get('error')).toBe('message is too big. max size is 4096')
    const dur = await postForm(`${server.url}/send`, { sender: 'a@local', receiver: box, delay: 'soon' })
    expect(dur.status).toBe(400)
    const ack = await postForm(`${server.url}/ack`, {
      mid: 'a'.repeat(40),
      lid: 'b'.repeat(40),
      statusCode: '1',
    })
    expect(ack.body.get('error')).toBe('unable to change status')
    const short = await postForm(`${server.url}/ack`, { mid: 'abc', lid: 'b'.repeat(40), statusCode: '1' })
    expect(short.body.get('error')).toBe('input is to short to process')
    expect((await server.store.stats(box)).pending).toBe(0)
  })

  it('routing - unknown path 404, GET on a POST route 405', async () => {
    server = await startServer({ kind })
    expect((await fetch(`${server.url}/nope`)).status).toBe(404)
    const r = await fetch(`${server.url}/send`)
    expect(r.status).toBe(405)
    expect(r.headers.get('allow')).toBe('POST')
  })

  it('admin - fetchBlob returns the raw canonical body', async () => {
    server = await startServer({ kind })
    const box = uniqueMailbox()
    const sent = await postForm(`${server.url}/send`, {
      sender: 'a@local',
      receiver: box,
      clientTime: '2024-01-01T00:00:00Z',
      q: 'a b',
    })
    const blob = await fetch(`${server.url}/admin/fetchBlob?mid=${sent.body.get('mid')}`)
    expect(await blob.text()).toBe(
      `clientTime=2024-01-01T00%3A00%3A00Z&q=a+b&receiver=${encodeURIComponent(box)}&sender=a%40local`,
    )
    expect((await fetch(`${server.url}/admin/fetchBlob?mid=${'0'.repeat(40)}`)).status).toBe(404)
  })
})
