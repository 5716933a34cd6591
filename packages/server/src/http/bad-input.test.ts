import { ErrorCodes, isErrorCode, type Store } from '@pandora/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startServer } from '../../../../test-support/server.js'
import type { PandoraServer } from '../create-server.js'

let server: PandoraServer
let store: Store
/** A message under a live lease, so a refused ack, reject or renew has something it could change. */
let held: { mid: string; lid: string }
beforeAll(async () => {
  server = await startServer({ kind: 'sqlite' })
  store = server.store
  await store.send({ sender: 'a@b', receiver: 'x@y', fields: { n: ['1'] } })
  await store.send({ sender: 'a@b', receiver: 'x@y', fields: { n: ['2'] } })
  const [leased] = await store.fetch('x@y', { leaseTime: 60_000, max: 1 })
  held = { mid: leased!.mid, lid: leased!.lid }
})
afterAll(async () => server.close())

const routes = (mid: string): [string, string][] => [
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
const bodies = (mid: string) => [
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
  `{"lid": "${'b'.repeat(40)}", "leaseTime": 60000}`,
  '{"mids": ["zz"]}',
  `{"__proto__": {"admin": true}, "receiver": "x@y", "sender": "a@b", "fields": {}}`,
  'receiver=%ZZ&sender=a',
  'leaseTime=-5m&receiver=x@y',
  'mid=abc&lid=def&statusCode=9',
  `mid=${mid}&lid=${'b'.repeat(40)}&statusCode=1`,
  '\u0000\u0001\u0002',
]

/** Everything a request could change: every mailbox's counts and every message's header. */
async function snapshot(): Promise<unknown> {
  const boxes = await store.mailboxes()
  return Promise.all(boxes.map(async (b) => ({ ...b, headers: await store.headers(b.receiver) })))
}

/** What is wrong with a 4xx answer, or null: /v1 answers problem JSON with a known code; form routes `error=`. */
function refusalProblem(path: string, status: number, type: string | null, text: string): string | null {
  if (path.startsWith('/v1/')) {
    if (!type?.startsWith('application/problem+json')) return `content type ${type}`
    const problem = JSON.parse(text) as { code?: unknown; status?: unknown }
    if (!isErrorCode(problem.code)) return `code ${String(problem.code)}`
    if (problem.status !== status) return `problem status ${String(problem.status)}`
    if (ErrorCodes[problem.code].status !== status) return `${problem.code} is not a ${status}`
    return null
  }
  if (!type?.startsWith('application/x-www-form-urlencoded')) return `content type ${type}`
  const form = new URLSearchParams(text)
  if ([...form.keys()].join() !== 'error' || !form.get('error')) return 'no error= body'
  return null
}

describe('bad input', () => {
  it('bad input - no body on any route gets a 500; each refusal is a 4xx with a code and changes nothing', async () => {
    const wrong: string[] = []
    for (const [method, path] of routes(held.mid)) {
      for (const body of bodies(held.mid)) {
        for (const type of ['application/json', 'application/x-www-form-urlencoded']) {
          const before = await snapshot()
          const res = await fetch(`${server.url}${path}`, { method, headers: { 'content-type': type }, body })
          const text = await res.text()
          const request = `${method} ${path} ${type} ${JSON.stringify(body)} → ${res.status} ${text}`
          if (res.status >= 500 || (res.status >= 300 && res.status < 400)) wrong.push(request)
          if (res.status < 400) continue
          const problem = refusalProblem(path, res.status, res.headers.get('content-type'), text)
          if (problem) wrong.push(`${request}: ${problem}`)
          const after = await snapshot()
          if (JSON.stringify(after) !== JSON.stringify(before)) wrong.push(`${request}: changed the store`)
        }
      }
    }
    expect(wrong).toEqual([])
    // The lease under attack is still held, by its own lid.
    await expect(store.renew(held.mid, held.lid, 60_000)).resolves.toBeGreaterThan(0)
  })

  it('bad input - the form routes answer with the original messages', async () => {
    const res = await fetch(`${server.url}/send`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'receiver=&sender=a@b&k=v',
    })
    expect(res.status).toBe(400)
    expect(new URLSearchParams(await res.text()).get('error')).toBe(ErrorCodes.invalid_mailbox.message)
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
