import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { json, startServer, uniqueMailbox } from '../../../../test-support/server.js'
import { TestSocket } from '../../../../test-support/test-socket.js'
import type { PandoraServer } from '../create-server.js'

let server: PandoraServer
beforeAll(async () => {
  server = await startServer({ kind: 'sqlite' })
})
afterAll(async () => server.close())

const key = 'a'.repeat(40)
const frames: unknown[] = [
  null,
  42,
  'text',
  [],
  {},
  { type: 'nope' },
  { type: 'subscribe' },
  { type: 'subscribe', sub: '', receiver: 'x@y' },
  { type: 'subscribe', sub: 's', receiver: 'x@y', prefetch: 0 },
  { type: 'subscribe', sub: 's', receiver: 'x@y', leaseTime: 1e12 },
  { type: 'subscribe', sub: 'x'.repeat(65), receiver: 'x@y' },
  { type: 'unsubscribe', sub: 'never' },
  { type: 'ack', mid: key },
  { type: 'ack', mid: key, lid: key },
  { type: 'reject', mid: key, lid: key, delay: -1 },
  { type: 'renew', mid: key, lid: key, leaseTime: 'long' },
  { type: 'renew', mid: key, lid: key, leaseTime: 5000 },
  { type: 'acks', items: 'all' },
  { type: 'acks', items: [{ mid: 'x', lid: key }] },
  { type: 'auth', token: 'x' },
  { type: 'ping', ref: { nested: true } },
  { __proto__: { type: 'ack' } },
]

describe('WebSocket bad frames', () => {
  it('bad frames - every malformed frame gets an error frame or a refusal; the socket and the server stay up', async () => {
    const box = uniqueMailbox()
    await json(`${server.url}/v1/messages`, 'POST', { sender: 'a@b', receiver: box, fields: {} })
    const ws = await TestSocket.open(server.url)
    await ws.next('welcome')
    for (const [i, frame] of frames.entries()) {
      ws.ws.send(JSON.stringify(frame))
      ws.send({ type: 'ping', ref: `after-${i}` })
      // The socket still answers after each bad frame.
      await ws.next('pong', (f) => f.ref === `after-${i}`)
    }
    expect(ws.pending('error').length).toBeGreaterThanOrEqual(frames.length - 4)
    // And it still works for real: subscribe and get the message.
    ws.send({ type: 'subscribe', sub: 'real', receiver: box })
    const m = await ws.next('message')
    expect(m.message.receiver).toBe(box)
    await ws.close()
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200)
  })
})
