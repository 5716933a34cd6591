import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { rawRequest, startServer, uniqueMailbox } from '../../../../test-support/server.js'
import type { PandoraServer } from '../create-server.js'
import { decodeUtf8, percentEscapesAreUtf8 } from './strict-utf8.js'

let server: PandoraServer
beforeAll(async () => {
  server = await startServer({ kind: 'sqlite' })
})
afterAll(async () => server.close())

const form = { 'content-type': 'application/x-www-form-urlencoded' }

describe('strict utf-8', () => {
  it('utf-8 - a form body or query with escapes that are not UTF-8 is refused with 400 and stores nothing', async () => {
    const box = uniqueMailbox('utf8')
    const base = `sender=a%40test&receiver=${encodeURIComponent(box)}`
    for (const [path, body] of [
      ['/send', `${base}&k=%FF%FE`],
      ['/api/send', `${base}&k=caf%C3`],
      [`/send?k=%FF%FE`, base],
      ['/send', `sender=a%40test&receiver=b%FF%FE%40test`],
      ['/send', `${base}&%C0%AF=v`],
      ['/send', `${base}&k=%ED%A0%80`],
    ] as const) {
      const res = await rawRequest(server.url, { method: 'POST', path, headers: form, body })
      expect(res.status, `${path} ${body}`).toBe(400)
      expect(new URLSearchParams(res.text).get('error'), `${path} ${body}`).toMatch(/UTF-8/)
    }
    const fetchRes = await rawRequest(server.url, {
      method: 'POST',
      path: '/fetch?receiver=%FF',
      headers: form,
      body: '',
    })
    expect(fetchRes.status).toBe(400)
    const mailboxes = await server.store.mailboxes()
    expect(mailboxes.filter((m) => m.receiver.includes('\uFFFD') || m.receiver === box)).toEqual([])
  })

  it('utf-8 - raw bytes that are not UTF-8 in a JSON or form body are refused with 400 and a code', async () => {
    const box = uniqueMailbox('utf8')
    const json = Buffer.concat([
      Buffer.from(`{"sender":"a@test","receiver":"${box}","fields":{"k":["`),
      Buffer.from([0xff, 0xfe]),
      Buffer.from('"]}}'),
    ])
    const res = await rawRequest(server.url, {
      method: 'POST',
      path: '/v1/messages',
      headers: { 'content-type': 'application/json' },
      body: json,
    })
    expect(res.status).toBe(400)
    expect(JSON.parse(res.text)).toMatchObject({ status: 400, code: 'invalid_encoding' })
    const raw = Buffer.concat([
      Buffer.from(`sender=a%40test&receiver=${encodeURIComponent(box)}&k=`),
      Buffer.from([0xc3, 0x28]),
    ])
    const formRes = await rawRequest(server.url, { method: 'POST', path: '/send', headers: form, body: raw })
    expect(formRes.status).toBe(400)
    const v1Query = await rawRequest(server.url, {
      path: `/v1/mailboxes/${encodeURIComponent(box)}/headers?since=%FF`,
    })
    expect(v1Query.status).toBe(400)
    expect(JSON.parse(v1Query.text)).toMatchObject({ code: 'invalid_encoding' })
    expect((await server.store.stats(box)).pending).toBe(0)
  })

  it('utf-8 - valid escapes, literal UTF-8 and stray percent signs still pass', async () => {
    const box = uniqueMailbox('utf8')
    const res = await rawRequest(server.url, {
      method: 'POST',
      path: '/send?note=%F0%9F%93%A6',
      headers: form,
      body: `sender=a%40test&receiver=${encodeURIComponent(box)}&k=caf%C3%A9&raw=${'é'}&pct=100%25&odd=%ZZ`,
    })
    expect(res.status).toBe(200)
    const [m] = await server.store.fetch(box, { leaseTime: 1000 })
    expect(m?.fields.k).toEqual(['café'])
    expect(m?.fields.raw).toEqual(['é'])
    expect(m?.fields.note).toEqual(['📦'])
    expect(m?.fields.pct).toEqual(['100%'])
    expect(m?.fields.odd).toEqual(['%ZZ'])
    expect(percentEscapesAreUtf8('a=%E2%82%AC&b=+')).toBe(true)
    expect(percentEscapesAreUtf8('a=%E2%82')).toBe(false)
    expect(decodeUtf8(Buffer.from('héllo'))).toBe('héllo')
    expect(() => decodeUtf8(Buffer.from([0x68, 0xff]))).toThrow(/UTF-8/)
  })
})
