import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startServer } from '../../../../test-support/server.js'
import type { PandoraServer } from '../create-server.js'

let server: PandoraServer
beforeAll(async () => {
  server = await startServer({ kind: 'sqlite' })
})
afterAll(async () => server.close())

const mid = 'a'.repeat(40)
const routes: [string, string][] = [
  ['POST', '/v1/messages'],
  ['POST', '/v1/messages/batch'],
  ['POST', '/v1/mailboxes/x%40y/fetch'],
  ['POST', `/v1/messages/${mid}/ack`],
  ['POST', `/v1/messages/${mid}/reject`],
  ['POST', `/v1/messages/${mid}/renew`],
  ['POST', '/v1/mailboxes/x%40y/redrive'],
  ['POST', '/send'],
  ['POST', '/fetch'],
  ['POST', '/ack'],
]
const bodies = [
  '',
  'null',
  '[]',
  '"text"',
  '42',
  '{"receiver": 1}',
  '{"receiver": "x@y", "sender": "a@b", "fields": {"k": [1, 2]}}',
  '{"messages": "no"}',
  '{"messages": [null]}',
  '{"lid": null, "leaseTime": 1e308, "delay": -1, "max": 1e9, "wait": "long"}',
  '{"mids": ["zz"]}',
  `{"__proto__": {"admin": true}, "receiver": "x@y", "sender": "a@b", "fields": {}}`,
  'receiver=%ZZ&sender=a',
  'leaseTime=-5m&receiver=x@y',
  'mid=abc&lid=def&statusCode=9',
  '\u0000\u0001\u0002',
]

describe('bad input', () => {
  it('bad input - no body on any route gets a 500; each gets a 4xx with a code, or a success', async () => {
    const seen: string[] = []
    for (const [method, path] of routes) {
      for (const body of bodies) {
        for (const type of ['application/json', 'application/x-www-form-urlencoded']) {
          const res = await fetch(`${server.url}${path}`, { method, headers: { 'content-type': type }, body })
          const text = await res.text()
          if (res.status >= 500)
            seen.push(`${method} ${path} ${type} ${JSON.stringify(body)} → ${res.status} ${text}`)
          if (res.status >= 400) expect(text.length).toBeGreaterThan(0)
        }
      }
    }
    expect(seen).toEqual([])
  })

  it('bad input - odd paths and methods are 404/405, never 500', async () => {
    for (const [method, path] of [
      ['GET', '/v1/mailboxes/%E0%A4%A'],
      ['GET', '/v1/messages/%00'],
      ['PUT', '/v1/messages'],
      ['DELETE', '/send'],
      ['GET', '/..%2F..%2Fetc%2Fpasswd'],
      ['GET', `/v1/mailboxes/${'x'.repeat(300)}/headers`],
    ] as const) {
      const res = await fetch(`${server.url}${path}`, { method })
      expect(res.status, `${method} ${path}`).toBeGreaterThanOrEqual(400)
      expect(res.status, `${method} ${path}`).toBeLessThan(500)
    }
  })
})
