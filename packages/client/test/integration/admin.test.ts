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

describe('integration: admin and send options', () => {
  it('integration - send with the same clientTime twice is one message, the second a duplicate', async () => {
    const { client } = await setup()
    const box = uniqueMailbox('resend')
    const clientTime = new Date()
    const first = await client.send(box, { sku: 'A1' }, { clientTime })
    const again = await client.send(box, { sku: 'A1' }, { clientTime: clientTime.toISOString() })
    const fresh = await client.send(box, { sku: 'A1' })
    expect(first.duplicate).toBe(false)
    expect(again).toEqual({ mid: first.mid, duplicate: true })
    expect(fresh.mid).not.toBe(first.mid)
    expect((await client.stats(box)).pending).toBe(2)
  })

  it("integration - headers with order desc list the newest first; info tells the server's clock", async () => {
    const { client } = await setup()
    const box = uniqueMailbox('newest')
    const mids: string[] = []
    for (const n of ['1', '2', '3']) mids.push((await client.send(box, { n })).mid)
    const newest = await client.headers(box, { order: 'desc', limit: 2 })
    expect(newest.map((h) => h.mid)).toEqual([mids[2], mids[1]])
    expect((await client.headers(box, { limit: 2 })).map((h) => h.mid)).toEqual([mids[0], mids[1]])
    const before = Date.now()
    const info = await client.info()
    expect(info.serverTime).toBeInstanceOf(Date)
    expect(info.serverTime.getTime()).toBeGreaterThanOrEqual(before)
    expect(info.serverTime.getTime()).toBeLessThanOrEqual(Date.now())
  })
})
