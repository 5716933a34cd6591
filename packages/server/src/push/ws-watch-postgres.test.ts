import { randomBytes } from 'node:crypto'
import type { ServerFrame } from '@pandora/core'
import { openPostgresStore } from '@pandora/core/postgres'
import pg from 'pg'
import { afterAll, describe, expect, it } from 'vitest'
import { json, startServer, uniqueMailbox } from '../../../../test-support/server.js'
import { TestSocket } from '../../../../test-support/test-socket.js'
import type { PandoraServer } from '../create-server.js'

const url = process.env.PANDORA_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test'

async function probe(): Promise<string | null> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 })
  client.on('error', () => {})
  try {
    await client.connect()
    return null
  } catch (error) {
    return error instanceof Error ? error.message : String(error)
  } finally {
    await client.end().catch(() => {})
  }
}
const unreachable = await probe()
if (unreachable !== null && process.env.CI !== 'true')
  console.warn(`admin event stream on PostgreSQL skipped: ${unreachable}`)

type Changes = Extract<ServerFrame, { type: 'changes' }>

describe.skipIf(unreachable !== null && process.env.CI !== 'true')(
  'admin event stream across instances (PostgreSQL)',
  () => {
    const schema = `pandora_watch_${randomBytes(6).toString('hex')}`
    const servers: PandoraServer[] = []
    afterAll(async () => {
      await Promise.all(servers.map((s) => s.close()))
      const admin = new pg.Client({ connectionString: url })
      await admin.connect()
      await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
      await admin.end()
    })

    it('watch - a send through another instance shows at once (its notification), an ack there at the next recount', async () => {
      if (unreachable) throw new Error(`PostgreSQL is required under CI: ${unreachable}`)
      const open = () => openPostgresStore({ connectionString: url, schema, poolSize: 2 })
      const a = await startServer({ store: await open(), watchResyncMs: 200 })
      servers.push(a)
      const b = await startServer({ store: await open() })
      servers.push(b)
      const box = uniqueMailbox()
      const ws = await TestSocket.open(a.url)
      await ws.next('welcome')
      ws.send({ type: 'watch', receiver: box })
      await ws.next('watching')

      const sent = await json(`${b.url}/v1/messages`, 'POST', { sender: 's@x', receiver: box, fields: {} })
      // Instance A did not store it: the store's availability signal (NOTIFY) told it.
      const seen = await ws.next('changes', (f) => f.mailboxes.some((m) => m.pending === 1))
      expect(seen.mailboxes).toEqual([
        { receiver: box, pending: 1, leased: 0, delayed: 0, dead: 0, confirmed: 0 },
      ])

      const fetched = await json(`${b.url}/v1/mailboxes/${encodeURIComponent(box)}/fetch`, 'POST', {})
      const [m] = fetched.body.messages as { mid: string; lid: string }[]
      expect(m?.mid).toBe(sent.body.mid)
      await json(`${b.url}/v1/messages/${m!.mid}/ack`, 'POST', { lid: m!.lid })
      // No signal announces a lease or an ack elsewhere: A's periodic recount finds it.
      const confirmed: Changes = await ws.next('changes', (f) => f.mailboxes.some((x) => x.confirmed === 1))
      expect(confirmed.mailboxes).toEqual([
        { receiver: box, pending: 0, leased: 0, delayed: 0, dead: 0, confirmed: 1 },
      ])
      await ws.close()
    })
  },
)
