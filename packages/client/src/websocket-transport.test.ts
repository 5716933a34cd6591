import { ws } from 'msw'
import { setupServer } from 'msw/node'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { PandoraClient } from './client.js'
import type { Message } from './message.js'
import { welcomeFrame, wireMessage } from './testing/fake-server.js'

const link = ws.link('ws://pandora.test/v1/ws')
const server = setupServer()

beforeAll(() => server.listen({ onUnhandledRequest: 'error' }))
afterEach(() => server.resetHandlers())
afterAll(() => server.close())

describe('WebSocket transport', () => {
  it('websocket - a subscription over the global WebSocket receives a push and acks it', async () => {
    const wire = wireMessage()
    const acked = new Promise<unknown>((resolveAck) => {
      server.use(
        link.addEventListener('connection', ({ client }) => {
          client.send(JSON.stringify(welcomeFrame()))
          client.addEventListener('message', (event) => {
            const frame = JSON.parse(String(event.data))
            if (frame.type === 'subscribe') {
              client.send(JSON.stringify({ type: 'subscribed', sub: frame.sub, ref: frame.ref }))
              client.send(JSON.stringify({ type: 'message', sub: frame.sub, message: wire }))
            } else if (frame.type === 'ack') {
              client.send(JSON.stringify({ type: 'ok', ref: frame.ref }))
              resolveAck(frame)
            } else if (frame.type === 'unsubscribe') {
              client.send(JSON.stringify({ type: 'unsubscribed', sub: frame.sub, ref: frame.ref }))
            }
          })
        }),
      )
    })
    const pandora = new PandoraClient({ url: 'http://pandora.test' })
    const got: Message[] = []
    pandora.subscribe('orders@shop', (m) => {
      got.push(m)
    })
    expect(await acked).toMatchObject({ type: 'ack', mid: wire.mid, lid: wire.lid })
    expect(got[0]?.fields.get('qty')).toBe('2')
    await pandora.close()
    expect(pandora.state).toBe('closed')
  })

  it('websocket - a connection closed by the server is reopened', async () => {
    let connections = 0
    server.use(
      link.addEventListener('connection', ({ client }) => {
        const nth = ++connections
        client.send(JSON.stringify(welcomeFrame()))
        client.addEventListener('message', (event) => {
          const frame = JSON.parse(String(event.data))
          if (frame.type === 'subscribe') {
            client.send(JSON.stringify({ type: 'subscribed', sub: frame.sub, ref: frame.ref }))
            // The first server "restarts" right after confirming the subscription.
            if (nth === 1) client.close(4000, 'restart')
          } else if (frame.type === 'unsubscribe') {
            client.send(JSON.stringify({ type: 'unsubscribed', sub: frame.sub, ref: frame.ref }))
          }
        })
      }),
    )
    const pandora = new PandoraClient({ url: 'http://pandora.test', reconnect: { initialDelay: 5 } })
    const states: string[] = []
    pandora.on('state', (s) => states.push(s))
    pandora.subscribe('orders@shop', () => {})
    await vi.waitFor(() => expect(states.filter((s) => s === 'open')).toHaveLength(2))
    expect(connections).toBe(2)
    expect(states.slice(0, 4)).toEqual(['connecting', 'open', 'reconnecting', 'open'])
    await pandora.close()
  })
})
