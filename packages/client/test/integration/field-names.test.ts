import { afterEach, describe, expect, it } from 'vitest'
import type { Message } from '../../src/message.js'
import { serverAndClient, uniqueMailbox } from './server-and-client.js'

const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

/** Prototype member names, each with two values; `__proto__` an own key, as JSON.parse makes it. */
const NAMES = ['constructor', 'toString', 'valueOf', 'hasOwnProperty', '__proto__', 'isPrototypeOf']
const valuesOf = (name: string) => [`${name}-1`, `${name}-2`]
const protoFields = (): Record<string, string[]> =>
  JSON.parse(JSON.stringify(Object.fromEntries(NAMES.map((n) => [n, valuesOf(n)]))))

const expectProtoFields = (m: Message | null | undefined) => {
  for (const n of NAMES) {
    expect(m?.fields.has(n)).toBe(true)
    expect(m?.fields.getAll(n)).toEqual(valuesOf(n))
  }
}

describe('integration: field names', () => {
  it('integration - prototype field names round-trip through send, fetch, getMessage and a subscription', async () => {
    const sc = await serverAndClient()
    cleanups.push(sc.close)
    const { client } = sc
    const box = uniqueMailbox('names')

    const { mid } = await client.send(box, protoFields())
    const [batched] = await client.sendBatch([{ receiver: box, fields: protoFields() }])
    const fetched = await client.fetch(box)
    expect(fetched?.mid).toBe(mid)
    expectProtoFields(fetched)
    expectProtoFields({ fields: (await client.getMessage(mid)).fields! } as Message)
    await fetched!.ack()

    let wake: (m: Message) => void = () => {}
    const pushed = new Promise<Message>((resolve) => {
      wake = resolve
    })
    const sub = client.subscribe(box, (m) => wake(m))
    const m = await pushed
    expect(m.mid).toBe(batched!.mid)
    expectProtoFields(m)
    await sub.close()
  })
})
