import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { type RunningPandorad, spawnPandorad } from './spawn-pandorad.js'

const url = process.env.PANDORA_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
const schema = `pandorad_scale_${randomBytes(4).toString('hex')}`

async function postgresAnswers(): Promise<string | null> {
  const { default: pg } = await import('pg')
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 })
  try {
    await client.connect()
    await client.query('select 1')
    return null
  } catch (error) {
    return (error as Error).message
  } finally {
    await client.end().catch(() => {})
  }
}

const unreachable = await postgresAnswers()
if (unreachable && process.env.CI !== 'true') {
  console.warn(
    `scale-out tests skipped: no PostgreSQL at ${url.replace(/\/\/[^@]*@/, '//…@')} (${unreachable})`,
  )
}

describe.skipIf(unreachable !== null && process.env.CI !== 'true')('pandorad scale-out on PostgreSQL', () => {
  const running: RunningPandorad[] = []

  beforeAll(() => {
    if (unreachable)
      throw new Error(`PostgreSQL is required under CI (CI=true) but none answered: ${unreachable}`)
  })

  afterAll(async () => {
    for (const p of running) p.child.kill('SIGTERM')
    await Promise.all(running.map((p) => p.exited))
    const { default: pg } = await import('pg')
    const client = new pg.Client({ connectionString: url })
    await client.connect()
    await client.query(`drop schema if exists ${schema} cascade`)
    await client.end()
  })

  it('scale-out - a message sent through instance A is pushed to a subscriber on instance B', async () => {
    const args = ['--store', 'postgres', '--postgres-url', url, '--postgres-schema', schema]
    const [a, b] = await Promise.all([spawnPandorad(args), spawnPandorad(args)])
    running.push(a!, b!)
    const ws = new WebSocket(`${b!.url.replace('http', 'ws')}/v1/ws`, 'pandora.v1')
    const frames: { type: string; message?: { mid: string; fields: Record<string, string[]> } }[] = []
    let onFrame = () => {}
    ws.on('message', (data) => {
      frames.push(JSON.parse(String(data)))
      onFrame()
    })
    const frame = (type: string) =>
      new Promise<(typeof frames)[number]>((resolve) => {
        const check = () => {
          const i = frames.findIndex((f) => f.type === type)
          if (i >= 0) resolve(frames.splice(i, 1)[0]!)
        }
        onFrame = check
        check()
      })
    await frame('welcome')
    ws.send(JSON.stringify({ type: 'subscribe', sub: 's', receiver: 'orders@shop', leaseTime: 30_000 }))
    await frame('subscribed')

    const res = await fetch(`${a!.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ sender: 'web@shop', receiver: 'orders@shop', fields: { sku: 'A1' } }),
    })
    const { mid } = (await res.json()) as { mid: string }
    const pushed = await frame('message')
    // Instance B has no poll loop: only LISTEN/NOTIFY from A's transaction can wake it.
    expect(pushed.message).toMatchObject({ mid, fields: { sku: ['A1'] } })
    ws.close()
  })
})
