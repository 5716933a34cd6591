import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ManualClock, MemoryStore, type Store } from '@pandora/core'
import { openSqliteStore } from '@pandora/core/sqlite'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import {
  postForm,
  STORE_KINDS,
  type StoreKind,
  startServer,
  uniqueMailbox,
} from '../../../../test-support/server.js'
import type { PandoraServer } from '../create-server.js'

// The original's routes as its handler (shared/interop/original/http/api.go) answered them.

let server: PandoraServer
afterEach(async () => server?.close())
const dirs: string[] = []
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})

/** A store whose clock starts an hour ago and only moves when told, so receive times differ. */
async function storeWithClock(kind: StoreKind, clock: ManualClock): Promise<Store> {
  if (kind === 'memory') return new MemoryStore({ clock })
  const dir = mkdtempSync(join(tmpdir(), 'pandora-original-'))
  dirs.push(dir)
  return openSqliteStore({ path: join(dir, 'pandora.db'), clock })
}

const send = (box: string, fields: Record<string, string> = {}) =>
  postForm(`${server.url}/send`, { sender: 'a@local', receiver: box, ...fields })
const fetchOne = (box: string) => postForm(`${server.url}/fetch`, { receiver: box, leaseTime: '5m0s' })
const headers = async (box: string, receivedat: string, prefix = '') => {
  const res = await fetch(
    `${server.url}${prefix}/admin/headers?${new URLSearchParams({ receiver: box, receivedat })}`,
  )
  const text = await res.text()
  const rows = res.status === 200 ? (JSON.parse(text) as Record<string, string[]>[]) : []
  return { status: res.status, text, rows }
}

describe.each(STORE_KINDS)('original routes (%s store)', (kind) => {
  it('fetch - nothing due is 204 with an empty body: empty, delayed, all leased, all confirmed', async () => {
    server = await startServer({ kind })
    const box = uniqueMailbox()
    const empty = await fetchOne(box)
    expect([empty.status, empty.text]).toEqual([204, ''])

    await send(box, { delay: '1h', n: 'delayed' })
    expect((await fetchOne(box)).status).toBe(204)

    await send(box, { n: 'leased' })
    expect((await fetchOne(box)).status).toBe(200)
    expect((await fetchOne(box)).status).toBe(204)

    const other = uniqueMailbox()
    await send(other, { n: 'confirmed' })
    const got = await fetchOne(other)
    const ack = await postForm(`${server.url}/ack`, {
      mid: got.body.get('mid')!,
      lid: got.body.get('lid')!,
      statusCode: '1',
    })
    expect(ack.status).toBe(200)
    const after = await postForm(`${server.url}/api/fetch`, { receiver: other, leaseTime: '5m0s' })
    expect([after.status, after.text]).toEqual([204, ''])
  })

  it('reenqueue - answers 200 with the body OK, on GET (as the web UI calls it) and POST', async () => {
    server = await startServer({ kind })
    for (const [method, path] of [
      ['GET', '/admin/reenqueue'],
      ['GET', '/api/admin/reenqueue'],
      ['POST', '/admin/reenqueue'],
    ] as const) {
      const res = await fetch(`${server.url}${path}`, { method })
      expect([method, path, res.status, await res.text()]).toEqual([method, path, 200, 'OK'])
    }
  })

  it('headers - a JSON array of url.Values with the fields Message.WriteTo writes', async () => {
    server = await startServer({ kind })
    const box = uniqueMailbox()
    const mid = (await send(box, { topic: 'hello' })).body.get('mid')
    const res = await headers(box, '-1h', '/api')
    expect(res.status).toBe(200)
    expect(res.text.endsWith(']\n')).toBe(true)
    expect(res.rows).toHaveLength(1)
    const row = res.rows[0]!
    expect(Object.keys(row)).toEqual([
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
    expect(row).toMatchObject({
      mid: [mid],
      lid: [''],
      statusCode: ['8'],
      status: ['notDelivered'],
      deliveryCount: ['0'],
      leasedUntil: ['0001-01-01T00:00:00Z'],
      validBody: ['true'],
    })
    expect(row.receivedAt![0]).toBe(row.sendWhen![0])
    // Go's RFC3339Nano: no trailing zeros in the fraction.
    expect(row.receivedAt![0]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d*[1-9])?Z$/)
    expect(Math.abs(Date.parse(row.receivedAt![0]!) - Date.now())).toBeLessThan(60_000)
  })

  it('headers - only due, unleased, unfinished messages: leased, confirmed and delayed are left out', async () => {
    server = await startServer({ kind })
    const box = uniqueMailbox()
    await send(box, { n: 'leased' })
    expect((await fetchOne(box)).body.get('n')).toBe('leased')
    await send(box, { n: 'confirmed' })
    const c = await fetchOne(box)
    await postForm(`${server.url}/ack`, { mid: c.body.get('mid')!, lid: c.body.get('lid')!, statusCode: '1' })
    const rejectedMid = (await send(box, { n: 'rejected' })).body.get('mid')
    const r = await fetchOne(box)
    await postForm(`${server.url}/ack`, { mid: r.body.get('mid')!, lid: r.body.get('lid')!, statusCode: '2' })
    await send(box, { n: 'delayed', delay: '1h' })
    const pendingMid = (await send(box, { n: 'pending' })).body.get('mid')

    const { rows } = await headers(box, '-1h')
    expect(rows.map((h) => [h.mid![0], h.status![0], h.deliveryCount![0]])).toEqual([
      [rejectedMid, 'rejected', '1'],
      [pendingMid, 'notDelivered', '0'],
    ])
  })

  it('headers - at most 10, oldest first; paging on from the last receivedAt is exclusive; 204 at the end', async () => {
    const clock = new ManualClock(Date.now() - 3_600_000)
    server = await startServer({ store: await storeWithClock(kind, clock) })
    const box = uniqueMailbox()
    const mids: string[] = []
    for (let i = 0; i < 13; i++) {
      mids.push((await send(box, { i: String(i) })).body.get('mid')!)
      clock.advance(1000)
    }
    const first = await headers(box, '-2h')
    expect(first.rows.map((h) => h.mid![0])).toEqual(mids.slice(0, 10))
    const next = await headers(box, first.rows.at(-1)!.receivedAt![0]!)
    expect(next.rows.map((h) => h.mid![0])).toEqual(mids.slice(10))
    const end = await headers(box, next.rows.at(-1)!.receivedAt![0]!)
    expect([end.status, end.text]).toEqual([204, ''])
    // An RFC 3339 bound that equals a message's receive time leaves that message out.
    const at = new Date(Date.parse(first.rows[4]!.receivedAt![0]!)).toISOString()
    expect((await headers(box, at)).rows[0]!.mid![0]).toBe(mids[5])
  })

  it("headers - pending is judged on the store's clock, not this machine's", async () => {
    // A store deciding on a clock a day ahead (as a database's may be): what it just received is
    // due on its clock, though not yet on this machine's.
    const clock = new ManualClock(Date.now() + 86_400_000)
    server = await startServer({ store: await storeWithClock(kind, clock) })
    const box = uniqueMailbox()
    const mid = (await send(box)).body.get('mid')
    const { rows } = await headers(box, '-1h')
    expect(rows.map((h) => h.mid![0])).toEqual([mid])
  })

  it('headers - 204 for a mailbox with nothing pending; a bad receivedat is a 400 with error=', async () => {
    server = await startServer({ kind })
    const none = await headers(uniqueMailbox(), '-1h')
    expect([none.status, none.text]).toEqual([204, ''])
    const bad = await headers(uniqueMailbox(), 'yesterday')
    expect(bad.status).toBe(400)
    expect(new URLSearchParams(bad.text).get('error')).toMatch(/invalid duration/)
  })
})

describe('original routes and the console', () => {
  it('routing - the console is served at / and its files, every unknown path is 404 for every method', async () => {
    const root = mkdtempSync(join(tmpdir(), 'pandora-webroot-'))
    dirs.push(root)
    writeFileSync(join(root, 'index.html'), '<!doctype html><title>console</title>')
    mkdirSync(join(root, 'assets'))
    writeFileSync(join(root, 'assets', 'app.js'), 'console.log(1)')
    server = await startServer({ webRoot: root })

    const home = await fetch(`${server.url}/`)
    expect(home.status).toBe(200)
    expect(await home.text()).toContain('console')
    expect((await fetch(`${server.url}/assets/app.js`)).status).toBe(200)
    for (const path of [
      '/nope',
      '/admin/nope',
      '/api/nope',
      '/api/admin/nope',
      '/v1/mailbox',
      '/mailbox/x',
    ]) {
      for (const method of ['GET', 'HEAD', 'POST', 'DELETE']) {
        const res = await fetch(`${server.url}${path}`, { method })
        expect(`${method} ${path} ${res.status}`).toBe(`${method} ${path} 404`)
      }
    }
    // What the original answered 405 to stays 405.
    expect((await fetch(`${server.url}/fetch`)).status).toBe(405)
    expect((await fetch(`${server.url}/api/send`)).status).toBe(405)
  })
})
