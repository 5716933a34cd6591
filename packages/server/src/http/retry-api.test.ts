import { ManualClock, MemoryStore, Status } from '@pandora/core'
import { afterEach, describe, expect, it } from 'vitest'
import { json, postForm, STORE_KINDS, startServer, uniqueMailbox } from '../../../../test-support/server.js'
import { SocketPool, TestSocket } from '../../../../test-support/test-socket.js'
import type { PandoraServer } from '../create-server.js'

let server: PandoraServer
const sockets = new SocketPool()
afterEach(async () => {
  await sockets.closeAll()
  await server?.close()
})
const v1 = (path: string) => `${server.url}/v1${path}`
const enc = encodeURIComponent

async function sendAndLease(box: string): Promise<{ mid: string; lid: string }> {
  await json(v1('/messages'), 'POST', { sender: 'a@test', receiver: box, fields: { n: box } })
  const fetched = await json(v1(`/mailboxes/${enc(box)}/fetch`), 'POST', { leaseTime: 30_000 })
  return (fetched.body.messages as { mid: string; lid: string }[])[0]!
}

describe.each(STORE_KINDS)('failure reasons and retry policy over HTTP and WebSocket (%s store)', (kind) => {
  it('reject - the reason shows in GET /v1/messages/{mid}, the headers listing and dead letters', async () => {
    server = await startServer({ kind })
    const box = uniqueMailbox()
    await json(v1(`/mailboxes/${enc(box)}/policy`), 'PUT', { maxDeliveries: 1 })
    const m = await sendAndLease(box)
    const rejected = await json(v1(`/messages/${m.mid}/reject`), 'POST', {
      lid: m.lid,
      reason: 'card declined',
    })
    expect(rejected).toMatchObject({ status: 200, body: { ok: true } })
    const got = await json(v1(`/messages/${m.mid}`), 'GET')
    expect(got.body).toMatchObject({ status: Status.dead, failureReason: 'card declined' })
    expect(Date.parse(got.body.failedAt as string)).not.toBeNaN()
    const headers = await json(v1(`/mailboxes/${enc(box)}/headers`), 'GET')
    expect(headers.body.headers).toMatchObject([{ mid: m.mid, failureReason: 'card declined' }])
    const dead = await json(v1(`/mailboxes/${enc(box)}/dead`), 'GET')
    expect(dead.body.headers).toMatchObject([{ mid: m.mid, failureReason: 'card declined' }])
  })

  it('reject - a reason over 1024 bytes is 400 invalid_reason and the lease still holds', async () => {
    server = await startServer({ kind })
    const m = await sendAndLease(uniqueMailbox())
    const long = await json(v1(`/messages/${m.mid}/reject`), 'POST', { lid: m.lid, reason: 'x'.repeat(1025) })
    expect(long).toMatchObject({ status: 400, body: { code: 'invalid_reason' } })
    const notText = await json(v1(`/messages/${m.mid}/reject`), 'POST', { lid: m.lid, reason: 42 })
    expect(notText).toMatchObject({ status: 400, body: { code: 'invalid_input' } })
    expect(await json(v1(`/messages/${m.mid}/ack`), 'POST', { lid: m.lid })).toMatchObject({ status: 200 })
  })

  it('policy - GET shows none and the default; PUT stores it with defaults filled in; {} removes it', async () => {
    server = await startServer({ kind })
    const path = v1(`/mailboxes/${enc('orders@shop')}/policy`)
    expect(await json(path, 'GET')).toMatchObject({
      status: 200,
      body: { receiver: 'orders@shop', policy: {}, maxDeliveries: 10 },
    })
    const put = await json(path, 'PUT', {
      maxDeliveries: 4,
      backoff: { type: 'exponential', base: 2000, max: 60_000, jitter: 0.1 },
    })
    const policy = {
      maxDeliveries: 4,
      backoff: { type: 'exponential', base: 2000, factor: 2, max: 60_000, jitter: 0.1 },
    }
    expect(put).toMatchObject({ status: 200, body: { receiver: 'orders@shop', policy, maxDeliveries: 4 } })
    expect((await json(path, 'GET')).body).toEqual({ receiver: 'orders@shop', policy, maxDeliveries: 4 })
    expect((await json(path, 'PUT', {})).body).toEqual({
      receiver: 'orders@shop',
      policy: {},
      maxDeliveries: 10,
    })
  })

  it('policy - bad policies are 400 invalid_policy, a bad name 400 invalid_mailbox; nothing changes', async () => {
    server = await startServer({ kind })
    const path = v1(`/mailboxes/${enc('orders@shop')}/policy`)
    await json(path, 'PUT', { maxDeliveries: 3 })
    for (const bad of [
      [],
      'fixed',
      { maxDeliveries: -1 },
      { backoff: { type: 'fixed' } },
      { backoff: { type: 'exponential', base: 1000, max: 10 } },
      { backoff: { type: 'exponential', base: 1000, max: 5000, factor: 50 } },
      { retries: 3 },
    ]) {
      const res = await json(path, 'PUT', bad)
      expect(res, JSON.stringify(bad)).toMatchObject({ status: 400, body: { code: 'invalid_policy' } })
    }
    const badName = await json(v1(`/mailboxes/${enc('a\u0001b')}/policy`), 'PUT', {})
    expect(badName).toMatchObject({ status: 400, body: { code: 'invalid_mailbox' } })
    expect((await json(path, 'GET')).body).toMatchObject({ policy: { maxDeliveries: 3 } })
  })

  it('policy - admin scope: a receive-only token may neither read nor set it', async () => {
    server = await startServer({
      kind,
      tokens: [
        { token: 'worker-token-1', scopes: { receive: ['*'] } },
        { token: 'admin-token-1', scopes: { admin: true } },
      ],
    })
    const path = v1(`/mailboxes/${enc('orders@shop')}/policy`)
    const worker = { authorization: 'Bearer worker-token-1' }
    expect(await json(path, 'GET', undefined, worker)).toMatchObject({ status: 403 })
    expect(await json(path, 'PUT', { maxDeliveries: 2 }, worker)).toMatchObject({ status: 403 })
    const admin = { authorization: 'Bearer admin-token-1' }
    expect(await json(path, 'PUT', { maxDeliveries: 2 }, admin)).toMatchObject({ status: 200 })
  })

  it('websocket - a reject frame carries a reason; subscribed tells the mailbox policy', async () => {
    server = await startServer({ kind })
    const box = uniqueMailbox()
    await json(v1(`/mailboxes/${enc(box)}/policy`), 'PUT', { backoff: { type: 'fixed', delay: 60_000 } })
    const ws = await TestSocket.open(server.url)
    sockets.track(ws)
    ws.send({ type: 'subscribe', sub: 's', receiver: box, leaseTime: 30_000 })
    expect(await ws.next('subscribed')).toMatchObject({
      policy: { backoff: { type: 'fixed', delay: 60_000, jitter: 0 } },
    })
    await json(v1('/messages'), 'POST', { sender: 'a@test', receiver: box, fields: { k: 'v' } })
    const { message } = await ws.next('message')
    ws.send({ type: 'reject', mid: message.mid, lid: message.lid, reason: 'handler threw: boom', ref: 'r' })
    await ws.next('ok', (f) => f.ref === 'r')
    const got = await json(v1(`/messages/${message.mid}`), 'GET')
    expect(got.body).toMatchObject({ status: Status.rejected, failureReason: 'handler threw: boom' })
    // dueAt tells when: the policy's minute after the reject.
    expect(Date.parse(got.body.dueAt as string) - Date.parse(got.body.failedAt as string)).toBe(60_000)
    // The policy's backoff applied: a minute away, not due now.
    expect(await json(v1(`/mailboxes/${enc(box)}`), 'GET')).toMatchObject({
      body: { delayed: 1, pending: 0 },
    })
  })
})

describe('retry policy for clients without the SDK', () => {
  it("form /ack - the original client's reject (no delay) gets the mailbox backoff; /admin/headers keeps nine fields", async () => {
    const clock = new ManualClock()
    server = await startServer({ store: new MemoryStore({ clock }) })
    const box = uniqueMailbox()
    await json(v1(`/mailboxes/${enc(box)}/policy`), 'PUT', { backoff: { type: 'fixed', delay: 5000 } })
    await postForm(`${server.url}/send`, { sender: 'a@test', receiver: box, k: 'v' })
    const fetched = await postForm(`${server.url}/fetch`, { receiver: box, leaseTime: '30s' })
    const mid = fetched.body.get('mid')!
    const lid = fetched.body.get('lid')!
    const acked = await postForm(`${server.url}/ack`, { mid, lid, statusCode: '2' })
    expect(acked.status).toBe(200)
    expect((await json(v1(`/mailboxes/${enc(box)}`), 'GET')).body).toMatchObject({ delayed: 1, pending: 0 })
    const original = await fetch(
      `${server.url}/admin/headers?${new URLSearchParams({ receiver: box, receivedat: '-100000h' })}`,
    )
    const [row] = (await original.json()) as Record<string, unknown>[]
    // Exactly the original's nine fields: no failure reason leaks into the form API.
    expect(Object.keys(row!)).toEqual([
      'deliveryCount',
      'leasedUntil',
      'lid',
      'mid',
      'receivedAt',
      'sendWhen',
      'status',
      'statusCode',
      'validBody',
    ])
    expect((await postForm(`${server.url}/fetch`, { receiver: box })).status).toBe(204)
    clock.advance(5000)
    expect((await postForm(`${server.url}/fetch`, { receiver: box })).status).toBe(200)
  })
})
