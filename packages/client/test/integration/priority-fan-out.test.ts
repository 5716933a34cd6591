import { PandoraError } from '@pandora/core'
import { afterEach, describe, expect, it } from 'vitest'
import { serverAndClient, uniqueMailbox } from './server-and-client.js'

const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})
async function setup() {
  const sc = await serverAndClient()
  cleanups.push(sc.close)
  return sc
}

describe.each(['http', 'socket'] as const)('integration: priorities and fan-out (%s)', (path) => {
  it('integration - send with a priority: fetched higher first, read back by the message view', async () => {
    const { client } = await setup()
    if (path === 'socket') await client.connect()
    const box = uniqueMailbox('prio')
    const plain = await client.send(box, { n: 'plain' })
    const urgent = await client.send(box, { n: 'urgent' }, { priority: 10 })
    const later = await client.send(box, { n: 'later' }, { priority: -5 })
    const got = await client.fetchMany(box, { max: 3 })
    expect(got.map((m) => m.mid)).toEqual([urgent.mid, plain.mid, later.mid])
    expect(got.map((m) => m.priority)).toEqual([10, 0, -5])
    expect((await client.getMessage(urgent.mid)).priority).toBe(10)
    await expect(client.send(box, { n: 'x' }, { priority: 11 })).rejects.toMatchObject({
      code: 'invalid_priority',
    })
  })

  it('integration - sendTo: one message per mailbox, the same mid a single send gives; errors per recipient', async () => {
    const { client, server } = await setup()
    if (path === 'socket') await client.connect()
    const [a, b] = [uniqueMailbox('a'), uniqueMailbox('b')]
    const clientTime = new Date('2024-06-01T00:00:00Z')
    const single = await client.send(a, { report: 'weekly' }, { clientTime })
    const results = await client.sendTo([a, b], { report: 'weekly' }, { clientTime, priority: 3 })
    expect(results[0]).toEqual({ mid: single.mid, duplicate: true })
    expect(results[1]).toMatchObject({ duplicate: false })
    const mb = await client.fetch(b)
    expect(mb?.fields.get('receiver')).toBe(b)
    expect(mb?.fields.get('report')).toBe('weekly')
    expect(mb?.priority).toBe(3)
    expect((await server.store.stats(b)).leased).toBe(1)
    const big = await client.sendTo([b, `${'x'.repeat(250)}@x`], { pad: 'y'.repeat(3800) })
    expect(big[0]).toMatchObject({ duplicate: false })
    expect(big[1]).toBeInstanceOf(PandoraError)
    expect((big[1] as PandoraError).code).toBe('message_too_big')
  })
})
