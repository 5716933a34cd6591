import { FETCH_MAX_BATCH, MemoryStore, WS_CLOSE, WS_PROTOCOL } from '@pandora/core'
import { afterEach, describe, expect, it, vi } from 'vitest'
import WebSocket from 'ws'
import { json, startServer, uniqueMailbox } from '../../../../test-support/server.js'
import type { PandoraServer } from '../create-server.js'
import { BackPressure } from './back-pressure.js'

let server: PandoraServer
afterEach(async () => {
  vi.useRealTimers()
  await server?.close()
})

/**
 * A subscriber that stops reading right after subscribing to `box` with `prefetch`: resolves with
 * `resume()` (reads again) and the close code it will see.
 */
async function nonReader(box: string, prefetch: number) {
  const ws = new WebSocket(`${server.url.replace(/^http/, 'ws')}/v1/ws`, WS_PROTOCOL)
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve())
    ws.once('error', reject)
  })
  const socket = (ws as unknown as { _socket: import('node:net').Socket })._socket
  socket.pause()
  const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)))
  ws.send(JSON.stringify({ type: 'subscribe', sub: 's', receiver: box, prefetch, leaseTime: 600_000 }))
  return { resume: () => socket.resume(), closed }
}

/** Another consumer long-polls `box` until it holds `total` distinct messages (or none come). */
async function fetchAll(box: string, total: number): Promise<Set<string>> {
  const got = new Set<string>()
  while (got.size < total) {
    const r = await json(`${server.url}/v1/mailboxes/${encodeURIComponent(box)}/fetch`, 'POST', {
      max: FETCH_MAX_BATCH,
      wait: 10_000,
      leaseTime: 600_000,
    })
    const messages = r.body.messages as { mid: string }[]
    if (messages.length === 0) break
    for (const m of messages) got.add(m.mid)
  }
  return got
}

describe('back-pressure', () => {
  it('back-pressure - reports a drain when the buffer falls under the limit in time', () => {
    vi.useFakeTimers()
    let buffered = 2000
    const events: string[] = []
    const bp = new BackPressure(
      () => buffered,
      { limit: 1000, graceMs: 500 },
      {
        onDrain: () => events.push('drain'),
        onStuck: () => events.push('stuck'),
      },
    )
    expect(bp.check()).toBe(true)
    vi.advanceTimersByTime(300)
    expect(events).toEqual([])
    buffered = 10
    vi.advanceTimersByTime(100)
    expect(events).toEqual(['drain'])
    expect(bp.check()).toBe(false)
    vi.advanceTimersByTime(5000)
    expect(events).toEqual(['drain'])
  })

  it('back-pressure - reports a stuck socket once its buffer stayed over the limit for the grace period', () => {
    vi.useFakeTimers()
    const events: string[] = []
    const bp = new BackPressure(
      () => 5000,
      { limit: 1000, graceMs: 500 },
      {
        onDrain: () => events.push('drain'),
        onStuck: () => events.push('stuck'),
      },
    )
    expect(bp.check()).toBe(true)
    expect(bp.check()).toBe(true)
    vi.advanceTimersByTime(450)
    expect(events).toEqual([])
    vi.advanceTimersByTime(100)
    expect(events).toEqual(['stuck'])
    vi.advanceTimersByTime(5000)
    expect(events).toEqual(['stuck'])
  })

  it('slow consumer - a subscriber that never reads gives its leases back and is closed with the documented code', async () => {
    const maxSize = 64 * 1024
    server = await startServer({
      store: new MemoryStore({ maxSize }),
      maxSize,
      socketBufferLimit: 16 * 1024,
      slowSocketGraceMs: 200,
    })
    const box = uniqueMailbox('slow')
    const total = FETCH_MAX_BATCH
    // ~15 MB in all: far more than the kernel buffers of a socket whose peer never reads.
    const filler = 'x'.repeat(60_000)
    await server.store.sendBatch(
      Array.from({ length: total }, (_, i) => ({
        sender: 'a@test',
        receiver: box,
        fields: { i: [String(i)], filler: [filler] },
      })),
    )
    const slow = await nonReader(box, total)
    // Another consumer long-polls: it gets what the slow one never took, then, once the slow one
    // is cut off, what it held.
    const got = await fetchAll(box, total)
    expect(got.size).toBe(total)
    expect((await server.store.stats(box)).leased).toBe(total)

    slow.resume()
    expect(await slow.closed).toBe(WS_CLOSE.slowConsumer)
  }, 30_000)

  it('slow consumer - a subscriber that never reads small messages (they fit in kernel buffers) is found by its silence', async () => {
    server = await startServer({ slowSocketGraceMs: 300 })
    const box = uniqueMailbox('silent')
    const total = 64
    await server.store.sendBatch(
      Array.from({ length: total }, (_, i) => ({
        sender: 'a@test',
        receiver: box,
        fields: { i: String(i) },
      })),
    )
    const silent = await nonReader(box, total)
    // Everything pushed sits in kernel buffers: the send buffer never looks congested. Another
    // consumer still gets every message once the silent one is cut off.
    const got = await fetchAll(box, total)
    expect(got.size).toBe(total)
    silent.resume()
    expect(await silent.closed).toBe(WS_CLOSE.slowConsumer)
  }, 30_000)
})
