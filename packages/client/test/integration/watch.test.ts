import { MemoryStore } from '@pandora/core'
import { afterEach, describe, expect, it } from 'vitest'
import { PandoraClient, type PandoraError, type WatchChange, type WatchState } from '../../src/index.js'
import { serverAndClient, startServer, uniqueMailbox } from './server-and-client.js'

const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

/** Changes and states as they come, and a way to await the next one that matches. */
function recorder() {
  const changes: WatchChange[] = []
  const states: WatchState[] = []
  let wake: (() => void) | undefined
  let lastError: PandoraError | undefined
  const until = async (done: () => boolean) => {
    while (!done()) await new Promise<void>((r) => (wake = r))
  }
  return {
    changes,
    states,
    get lastError() {
      return lastError
    },
    handler: (c: WatchChange) => {
      changes.push(c)
      wake?.()
    },
    onState: (s: WatchState, e?: PandoraError) => {
      states.push(s)
      lastError = e
      wake?.()
    },
    until,
  }
}

describe('integration: watch', () => {
  it('watch - a snapshot first, then a message sent elsewhere shows with its mid and the new count', async () => {
    const { client, server, close } = await serverAndClient()
    cleanups.push(close)
    const box = uniqueMailbox('watch')
    await client.send(box, { n: '1' })
    const r = recorder()
    const watch = client.watch(r.handler, { onState: r.onState })
    await r.until(() => r.changes.length > 0)
    expect(watch.state).toBe('live')
    expect(r.changes[0]).toMatchObject({ snapshot: true, events: [] })
    expect(r.changes[0]!.mailboxes).toContainEqual(expect.objectContaining({ receiver: box, pending: 1 }))

    const other = new PandoraClient({ url: server.url, from: 'elsewhere@client' })
    const { mid } = await other.send(box, { n: '2' })
    await r.until(() => r.changes.some((c) => c.events.some((e) => e.mids.includes(mid))))
    const change = r.changes.at(-1)!
    expect(change.snapshot).toBe(false)
    expect(change.mailboxes).toContainEqual(expect.objectContaining({ receiver: box, pending: 2 }))
    await watch.close()
    expect(r.states).toEqual(['live', 'closed'])
  })

  it('watch - a token without admin rights is refused with forbidden; subscriptions on the socket carry on', async () => {
    const server = await startServer({
      tokens: [{ token: 'worker-token-1', scopes: { receive: ['*'], send: ['*'] } }],
    })
    const client = new PandoraClient({ url: server.url, token: 'worker-token-1', from: 'w@client' })
    cleanups.push(async () => {
      await client.close({ timeout: 1000 })
      await server.close()
    })
    const r = recorder()
    client.watch(r.handler, { onState: r.onState })
    await r.until(() => r.states.includes('refused'))
    expect(r.lastError?.code).toBe('forbidden')
    expect(r.changes).toEqual([])
    const box = uniqueMailbox('still')
    let delivered: (mid: string) => void = () => {}
    const got = new Promise<string>((resolve) => (delivered = resolve))
    const sub = client.subscribe(box, (m) => delivered(m.mid))
    await sub.ready
    const { mid } = await client.send(box, { n: '1' })
    expect(await got).toBe(mid)
  })

  it('watch - goes down when the socket drops and live again, with a new snapshot, once it reconnects', async () => {
    const store = new MemoryStore()
    let server = await startServer({ store, ownsStore: false })
    const port = server.port
    const client = new PandoraClient({ url: server.url, reconnect: { initialDelay: 20, maxDelay: 100 } })
    cleanups.push(async () => {
      await client.close({ timeout: 1000 })
      await server.close()
    })
    const box = uniqueMailbox('again')
    const r = recorder()
    client.watch(r.handler, { onState: r.onState })
    await r.until(() => r.states.includes('live'))
    await server.close()
    await r.until(() => r.states.includes('down'))
    await store.send({ receiver: box, sender: 'x@y', fields: { n: ['1'] } })
    server = await startServer({ store, ownsStore: false, port })
    await r.until(() => r.states.filter((s) => s === 'live').length === 2)
    const snapshot = r.changes.at(-1)!
    expect(snapshot.snapshot).toBe(true)
    expect(snapshot.mailboxes).toContainEqual(expect.objectContaining({ receiver: box, pending: 1 }))
  })
})
