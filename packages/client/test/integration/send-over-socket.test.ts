import { afterEach, describe, expect, it } from 'vitest'
import { serverAndClient, uniqueMailbox } from './server-and-client.js'

const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

/** How many POST /v1/messages requests the server has answered, read from its metrics. */
async function httpSends(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text()
  return [
    ...text.matchAll(
      /pandora_http_request_duration_seconds_count\{[^}]*route="\/v1\/messages"[^}]*\} (\d+)/g,
    ),
  ]
    .map((m) => Number(m[1]))
    .reduce((a, b) => a + b, 0)
}

describe('integration: sends over the socket', () => {
  it('integration - a connected client sends over its socket, not HTTP; results, duplicates and refusals are per message', async () => {
    const sc = await serverAndClient()
    cleanups.push(sc.close)
    const { client, server } = sc
    const box = uniqueMailbox('socket-send')
    await client.connect()
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        client.send(box, { i: String(i) }, { clientTime: new Date(1_700_000_000_000 + i) }),
      ),
    )
    expect(new Set(results.map((r) => r.mid)).size).toBe(50)
    expect(results.every((r) => !r.duplicate)).toBe(true)
    const again = await client.send(box, { i: '0' }, { clientTime: new Date(1_700_000_000_000) })
    expect(again).toEqual({ mid: results[0]!.mid, duplicate: true })
    await expect(client.send(box, { big: 'x'.repeat(5000) })).rejects.toMatchObject({
      code: 'message_too_big',
    })
    expect((await server.store.stats(box)).pending).toBe(50)
    expect(await httpSends(server.url)).toBe(0)
  })

  it('integration - without a socket, send uses HTTP', async () => {
    const sc = await serverAndClient()
    cleanups.push(sc.close)
    const box = uniqueMailbox('http-send')
    await sc.client.send(box, { a: '1' })
    expect(await httpSends(sc.server.url)).toBe(1)
  })
})
