import type { ServerFrame, WireLeasedMessage } from '@pandora/core'
import type { MemoryConnection } from '../memory-transport.js'

let counter = 0

/** A 40-hex key, unique per call. */
export function fakeKey(prefix = 'a'): string {
  counter++
  return (prefix + counter.toString(16)).padEnd(40, '0').slice(0, 40)
}

/** A leased message as the server would push it. */
export function wireMessage(over: Partial<WireLeasedMessage> = {}): WireLeasedMessage {
  const now = Date.now()
  return {
    mid: fakeKey('a'),
    lid: fakeKey('b'),
    sender: 'web@shop',
    receiver: 'orders@shop',
    status: 8,
    statusName: 'notDelivered',
    receivedAt: new Date(now).toISOString(),
    sendWhen: new Date(now).toISOString(),
    leasedUntil: new Date(now + 30_000).toISOString(),
    deliveryCount: 1,
    size: 10,
    fields: { sku: ['A1'], qty: ['2'] },
    ...over,
  }
}

export const welcomeFrame = (over: Partial<Extract<ServerFrame, { type: 'welcome' }>> = {}): ServerFrame => ({
  type: 'welcome',
  protocol: 'pandora.v1',
  authRequired: false,
  maxSize: 4096,
  heartbeat: 0,
  ...over,
})

/**
 * Plays a well-behaved server on one memory connection: welcome, then `subscribed`/`unsubscribed`/
 * `ok`/`pong` to every request. Returns a stop function.
 */
export function autoReply(
  conn: MemoryConnection,
  options: { welcome?: boolean; features?: string[] } = {},
): () => void {
  let stopped = false
  if (options.welcome !== false)
    conn.push(welcomeFrame(options.features ? { features: options.features } : {}))
  void (async () => {
    while (!stopped) {
      const f = await conn.next()
      if (stopped || conn.closed) return
      switch (f.type) {
        case 'subscribe':
          conn.push({ type: 'subscribed', sub: f.sub, ...(f.ref ? { ref: f.ref } : {}) })
          break
        case 'unsubscribe':
          conn.push({ type: 'unsubscribed', sub: f.sub, ...(f.ref ? { ref: f.ref } : {}) })
          break
        case 'renew':
          conn.push({
            type: 'ok',
            ...(f.ref ? { ref: f.ref } : {}),
            leasedUntil: new Date(Date.now() + f.leaseTime).toISOString(),
          })
          break
        case 'ping':
          conn.push({ type: 'pong', ...(f.ref ? { ref: f.ref } : {}) })
          break
        default:
          conn.push({ type: 'ok', ...(f.ref ? { ref: f.ref } : {}) })
      }
    }
  })()
  return () => {
    stopped = true
  }
}
