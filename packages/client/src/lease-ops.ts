import { okResponseMini, renewResponseMini } from '@pandora/core/protocol'
import { messagePath } from './api-paths.js'
import type { Connection } from './connection.js'
import type { HttpApi } from './http-api.js'
import type { LeaseOps, RejectOptions } from './message.js'

/** The options of a reject as they travel: only those given. */
function rejectOptions(o: RejectOptions): RejectOptions {
  return {
    ...(o.delay !== undefined ? { delay: o.delay } : {}),
    ...(o.reason !== undefined ? { reason: o.reason } : {}),
  }
}

/** Ack, reject and renew over HTTP: for messages leased with a fetch. */
export function httpLeaseOps(http: HttpApi): LeaseOps {
  return {
    ack: async (mid, lid) => {
      await http.call({
        method: 'POST',
        path: messagePath('ack', mid),
        body: { lid },
        schema: okResponseMini,
      })
    },
    reject: async (mid, lid, options = {}) => {
      await http.call({
        method: 'POST',
        path: messagePath('reject', mid),
        body: { lid, ...rejectOptions(options) },
        schema: okResponseMini,
      })
    },
    renew: async (mid, lid, leaseTime) => {
      const r = await http.call({
        method: 'POST',
        path: messagePath('renew', mid),
        body: { lid, leaseTime },
        schema: renewResponseMini,
      })
      return new Date(r.leasedUntil)
    },
  }
}

/**
 * Ack, reject and renew over the socket the messages came on: for pushed messages, whose
 * subscription credit returns only there. `socket` is asked on each call, so a reconnect is used.
 */
export function socketLeaseOps(socket: () => Connection): LeaseOps {
  return {
    ack: async (mid, lid) => {
      await socket().ack(mid, lid)
    },
    reject: async (mid, lid, options = {}) => {
      await socket().request({ type: 'reject', mid, lid, ...rejectOptions(options) })
    },
    renew: async (mid, lid, leaseTime) => {
      const reply = await socket().request({ type: 'renew', mid, lid, leaseTime })
      const until = reply.type === 'ok' ? reply.leasedUntil : undefined
      return until === undefined ? new Date(Date.now() + leaseTime) : new Date(until)
    },
  }
}
