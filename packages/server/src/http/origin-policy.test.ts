import { afterEach, describe, expect, it } from 'vitest'
import { rawRequest, startServer, uniqueMailbox } from '../../../../test-support/server.js'
import { TestSocket } from '../../../../test-support/test-socket.js'
import type { PandoraServer } from '../create-server.js'
import { OriginPolicy } from './origin-policy.js'

let server: PandoraServer
afterEach(async () => server?.close())

const EVIL = 'http://evil.example'
const form = { 'content-type': 'application/x-www-form-urlencoded' }
const jsonType = { 'content-type': 'application/json' }

describe('origin policy', () => {
  it('csrf - a cross-site form POST /fetch is refused with 403 and leases nothing', async () => {
    server = await startServer()
    const box = uniqueMailbox()
    await server.store.send({ sender: 'a@test', receiver: box, fields: { k: ['v'] } })
    const res = await rawRequest(server.url, {
      method: 'POST',
      path: '/fetch',
      headers: { ...form, origin: EVIL },
      body: new URLSearchParams({ receiver: box, leaseTime: '12h' }).toString(),
    })
    expect(res.status).toBe(403)
    expect(res.headers['content-type']).toMatch(/^application\/x-www-form-urlencoded/)
    expect(new URLSearchParams(res.text).get('error')).toMatch(/origin/)
    expect(await server.store.stats(box)).toMatchObject({ pending: 1, leased: 0 })
  })

  it('csrf - a foreign Origin is refused on every route: JSON API, form API, probes, console and upgrade', async () => {
    server = await startServer()
    const box = uniqueMailbox()
    const send = await rawRequest(server.url, {
      method: 'POST',
      path: '/v1/messages',
      headers: { ...jsonType, origin: EVIL },
      body: JSON.stringify({ sender: 'a@test', receiver: box, fields: {} }),
    })
    expect(send.status).toBe(403)
    expect(send.headers['content-type']).toMatch(/^application\/problem\+json/)
    expect(JSON.parse(send.text)).toMatchObject({ status: 403, code: 'origin_not_allowed' })
    const sendForm = await rawRequest(server.url, {
      method: 'POST',
      path: '/api/send',
      headers: { ...form, origin: EVIL },
      body: new URLSearchParams({ sender: 'a@test', receiver: box }).toString(),
    })
    expect(sendForm.status).toBe(403)
    for (const [method, path] of [
      ['GET', '/v1/mailboxes'],
      ['DELETE', `/v1/mailboxes/${encodeURIComponent(box)}`],
      ['GET', '/healthz'],
      ['GET', '/admin/headers?receiver=x@y'],
      ['OPTIONS', '/v1/messages'],
    ] as const) {
      const res = await rawRequest(server.url, { method, path, headers: { origin: EVIL } })
      expect(res.status, `${method} ${path}`).toBe(403)
    }
    expect((await server.store.stats(box)).pending).toBe(0)
    await expect(TestSocket.open(server.url, { origin: EVIL })).rejects.toThrow(/403/)
  })

  it('csrf - a refused page can read why on the JSON API (CORS on the refusal), not on the form API', async () => {
    server = await startServer()
    const info = await rawRequest(server.url, { method: 'GET', path: '/v1/info', headers: { origin: EVIL } })
    expect(info.status).toBe(403)
    expect(info.headers['access-control-allow-origin']).toBe(EVIL)
    expect(JSON.parse(info.text)).toMatchObject({ code: 'origin_not_allowed' })
    const form = await rawRequest(server.url, { method: 'GET', path: '/healthz', headers: { origin: EVIL } })
    expect(form.status).toBe(403)
    expect(form.headers['access-control-allow-origin']).toBeUndefined()
  })

  it('csrf - the same origin and configured origins pass; other schemes, ports and null do not', async () => {
    server = await startServer({ allowedOrigins: ['https://console.example'] })
    const box = uniqueMailbox()
    const sendFrom = (origin: string) =>
      rawRequest(server.url, {
        method: 'POST',
        path: '/v1/messages',
        headers: { ...jsonType, origin },
        body: JSON.stringify({ sender: 'a@test', receiver: box, fields: { origin: [origin] } }),
      })
    expect((await sendFrom(server.url)).status).toBe(201)
    const allowed = await sendFrom('https://console.example')
    expect(allowed.status).toBe(201)
    expect(allowed.headers['access-control-allow-origin']).toBe('https://console.example')
    const port = Number(new URL(server.url).port)
    for (const origin of [
      server.url.replace('http:', 'https:'),
      `http://127.0.0.1:${port + 1}`,
      'null',
      'not a url',
      'https://console.example.evil.example',
    ]) {
      expect((await sendFrom(origin)).status, origin).toBe(403)
    }
    expect((await server.store.stats(box)).pending).toBe(2)
  })

  it('origin policy - a page served over TLS by a proxy is same-origin through X-Forwarded-Proto', () => {
    const policy = new OriginPolicy([])
    expect(policy.allows('https://localhost:8443', 'localhost:8443', 'https')).toBe(true)
    expect(policy.allows('https://localhost:8443', 'localhost:8443', 'http')).toBe(false)
    expect(policy.allows('http://LOCALHOST:80', 'localhost', 'http')).toBe(true)
    expect(policy.allows(undefined, 'localhost', 'http')).toBe(true)
  })
})
