import { afterEach, describe, expect, it } from 'vitest'
import { json, postForm, startServer, uniqueMailbox } from '../../../test-support/server.js'
import { TestSocket } from '../../../test-support/test-socket.js'
import { TokenAuth } from './auth.js'
import type { PandoraServer } from './create-server.js'

let server: PandoraServer
afterEach(async () => server?.close())
const bearer = (t: string) => ({ authorization: `Bearer ${t}` })

describe('auth', () => {
  it('tokens - scopes limit who may send, receive and administer', () => {
    const auth = new TokenAuth([
      { token: 'sender-token-1', scopes: { send: ['*@shop'] } },
      { token: 'worker-token-1', scopes: { receive: ['orders@*'] } },
      { token: 'admin-token-01', scopes: { admin: true } },
    ])
    const sender = auth.authenticate('sender-token-1')!
    expect([
      sender.canSend('orders@shop'),
      sender.canSend('orders@bank'),
      sender.canReceive('orders@shop'),
      sender.admin,
    ]).toEqual([true, false, false, false])
    const worker = auth.authenticate('worker-token-1')!
    expect([worker.canReceive('orders@shop'), worker.canReceive('mail@shop'), worker.receives]).toEqual([
      true,
      false,
      true,
    ])
    expect(auth.authenticate('admin-token-01')!.admin).toBe(true)
    expect(auth.authenticate('wrong')).toBeNull()
    expect(auth.authenticate(undefined)).toBeNull()
    expect(() => new TokenAuth([{ token: 'short', scopes: {} }])).toThrow(
      'token #1 must be at least 8 characters',
    )
    expect(() => new TokenAuth([{ name: 'ci', token: 'short', scopes: {} }])).toThrow(
      'token "ci" must be at least 8 characters',
    )
  })

  it('http - with a token every route needs it; health stays open', async () => {
    server = await startServer({ token: 'secret-token-123' })
    const box = uniqueMailbox()
    const body = { sender: 'a@test', receiver: box, fields: {} }
    const anon = await json(`${server.url}/v1/messages`, 'POST', body)
    expect(anon).toMatchObject({ status: 401, body: { code: 'unauthorized' } })
    expect(anon.headers.get('www-authenticate')).toBe('Bearer')
    expect((await json(`${server.url}/v1/messages`, 'POST', body, bearer('nope-nope-nope'))).status).toBe(401)
    expect((await json(`${server.url}/v1/messages`, 'POST', body, bearer('secret-token-123'))).status).toBe(
      201,
    )
    const form = await postForm(`${server.url}/send`, { sender: 'a@test', receiver: box })
    expect(form.status).toBe(401)
    expect(form.body.get('error')).toBe('a valid token is required')
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200)
    expect((await fetch(`${server.url}/metrics`)).status).toBe(401)
    expect((await fetch(`${server.url}/metrics`, { headers: bearer('secret-token-123') })).status).toBe(200)
    expect((await server.store.stats(box)).pending).toBe(1)
  })

  it('http - a scoped token is refused outside its scope with 403', async () => {
    server = await startServer({ tokens: [{ token: 'shop-sender-1', scopes: { send: ['*@shop'] } }] })
    const ok = await json(
      `${server.url}/v1/messages`,
      'POST',
      { sender: 'a@shop', receiver: 'x@shop', fields: {} },
      bearer('shop-sender-1'),
    )
    expect(ok.status).toBe(201)
    const no = await json(
      `${server.url}/v1/messages`,
      'POST',
      { sender: 'a@shop', receiver: 'x@bank', fields: {} },
      bearer('shop-sender-1'),
    )
    expect(no).toMatchObject({ status: 403, body: { code: 'forbidden' } })
    const fetchNo = await json(
      `${server.url}/v1/mailboxes/x%40shop/fetch`,
      'POST',
      {},
      bearer('shop-sender-1'),
    )
    expect(fetchNo.status).toBe(403)
    expect((await json(`${server.url}/v1/mailboxes`, 'GET', undefined, bearer('shop-sender-1'))).status).toBe(
      403,
    )
  })

  it('websocket - a browser-style socket authenticates with its first frame, not its URL', async () => {
    server = await startServer({ token: 'secret-token-123' })
    const ws = await TestSocket.open(server.url)
    expect(await ws.next('welcome')).toMatchObject({ authRequired: true })
    ws.send({ type: 'subscribe', sub: 's', receiver: uniqueMailbox() })
    expect(await ws.next('error')).toMatchObject({ code: 'unauthorized' })
    expect(await ws.closed()).toBe(4401)

    const good = await TestSocket.open(server.url)
    good.send({ type: 'auth', token: 'secret-token-123', ref: 'a' })
    await good.next('authenticated', (f) => f.ref === 'a')
    good.send({ type: 'subscribe', sub: 's', receiver: uniqueMailbox(), ref: 's' })
    await good.next('subscribed')
    await good.close()
  })

  it('websocket - a Node client may authenticate with the Authorization header; a bad one is refused', async () => {
    server = await startServer({ token: 'secret-token-123' })
    const ws = await TestSocket.open(server.url, bearer('secret-token-123'))
    expect(await ws.next('welcome')).toMatchObject({ authRequired: false })
    await ws.close()
    await expect(TestSocket.open(server.url, bearer('wrong-token-000'))).rejects.toThrow(/401/)
  })

  it('websocket - a page from a foreign origin is refused unless allowed', async () => {
    server = await startServer()
    await expect(TestSocket.open(server.url, { origin: 'https://evil.example' })).rejects.toThrow(/403/)
    const same = await TestSocket.open(server.url, { origin: server.url })
    await same.close()
    await server.close()
    server = await startServer({ allowedOrigins: ['https://console.example'] })
    const allowed = await TestSocket.open(server.url, { origin: 'https://console.example' })
    await allowed.close()
    const cors = await fetch(`${server.url}/v1/info`, { headers: { origin: 'https://console.example' } })
    expect(cors.headers.get('access-control-allow-origin')).toBe('https://console.example')
    // A foreign page may read the refusal (to tell it from an unreachable server), and only that.
    const other = await fetch(`${server.url}/v1/info`, { headers: { origin: 'https://evil.example' } })
    expect(other.status).toBe(403)
    expect(await other.json()).toEqual(expect.objectContaining({ code: 'origin_not_allowed' }))
    expect(other.headers.get('access-control-allow-credentials')).toBeNull()
    await server.close()
    server = await startServer({ allowedOrigins: ['*'] })
    const garbled = await fetch(`${server.url}/v1/info`, { headers: { origin: 'not a url' } })
    expect(garbled.status).toBe(200)
  })
})
