import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { rawRequest, startServer, uniqueMailbox } from '../../../../test-support/server.js'
import type { PandoraServer } from '../create-server.js'

let server: PandoraServer
beforeAll(async () => {
  server = await startServer()
})
afterAll(async () => server.close())

describe('json content type', () => {
  it('json api - a body without Content-Type application/json is refused with 415 and stores nothing', async () => {
    const box = uniqueMailbox()
    const body = JSON.stringify({ sender: 'a@test', receiver: box, fields: {} })
    for (const headers of [
      {},
      { 'content-type': 'text/plain' },
      { 'content-type': 'text/plain;charset=UTF-8' },
      { 'content-type': 'application/x-www-form-urlencoded' },
      { 'content-type': 'multipart/form-data; boundary=x' },
      { 'content-type': 'application/jsonp' },
    ]) {
      const res = await rawRequest(server.url, { method: 'POST', path: '/v1/messages', headers, body })
      expect(res.status, JSON.stringify(headers)).toBe(415)
      expect(JSON.parse(res.text)).toMatchObject({ code: 'unsupported_media_type' })
    }
    const fetchBody = JSON.stringify({ leaseTime: 43_200_000 })
    const res = await rawRequest(server.url, {
      method: 'POST',
      path: `/v1/mailboxes/${encodeURIComponent(box)}/fetch`,
      headers: { 'content-type': 'text/plain' },
      body: fetchBody,
    })
    expect(res.status).toBe(415)
    const emptyPlain = await rawRequest(server.url, {
      method: 'POST',
      path: `/v1/mailboxes/${encodeURIComponent(box)}/fetch`,
      headers: { 'content-type': 'text/plain' },
      body: '',
    })
    expect(emptyPlain.status).toBe(415)
    expect((await server.store.stats(box)).pending).toBe(0)
  })

  it('json api - application/json passes, with parameters and in any case', async () => {
    const box = uniqueMailbox()
    for (const type of [
      'application/json',
      'application/json; charset=utf-8',
      'Application/JSON;charset=UTF-8',
    ]) {
      const res = await rawRequest(server.url, {
        method: 'POST',
        path: '/v1/messages',
        headers: { 'content-type': type },
        body: JSON.stringify({ sender: 'a@test', receiver: box, fields: { type: [type] } }),
      })
      expect(res.status, type).toBe(201)
    }
    // No body, no content type: nothing for a form to forge, and curl -X POST keeps working.
    const empty = await rawRequest(server.url, {
      method: 'POST',
      path: `/v1/mailboxes/${encodeURIComponent(box)}/fetch`,
    })
    expect(empty.status).toBe(200)
    expect(JSON.parse(empty.text).messages).toHaveLength(1)
  })
})
