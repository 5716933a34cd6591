import {
  ackRequestSchema,
  checkRetryPolicy,
  FETCH_MAX_WAIT_MS,
  fetchRequestSchema,
  headersQuerySchema,
  headerToWire,
  type InfoResponse,
  JSON_ROUTES,
  type JsonRouteId,
  LEASE_DEFAULT_MS,
  leasedToWire,
  outgoingRequestSchema,
  PandoraError,
  type PolicyResponse,
  type RetryPolicy,
  redriveRequestSchema,
  rejectRequestSchema,
  renewRequestSchema,
  Status,
  sendBatchRequestSchema,
  sendRequestToInput,
  storedToWire,
} from '@pandora/core'
import { permit } from '../auth.js'
import { storeBatch, storeOutgoing } from '../outgoing.js'
import type { ServerContext } from '../server-context.js'
import { parseJson, readBody } from './request-body.js'
import { sendJson, sendJsonArray, sendJsonList } from './responses.js'
import type { Handler, RouteContext, Router } from './router.js'
import { validate } from './validate.js'

const toInput = sendRequestToInput

/**
 * Mounts the versioned JSON API under `/v1`: one handler per route of core's `JSON_ROUTES` (the
 * type below requires exactly one for each), mounted at the table's method and path.
 */
export function mountJsonApi(router: Router, ctx: ServerContext): void {
  const handlers = jsonHandlers(ctx)
  for (const [id, route] of Object.entries(JSON_ROUTES) as [
    JsonRouteId,
    (typeof JSON_ROUTES)[JsonRouteId],
  ][]) {
    const large = id === 'sendBatch' || id === 'redrive'
    router.add(route.method, route.path, handlers[id], large ? { bodyLimit: ctx.batchBodyLimit } : {})
  }
}

function jsonHandlers(ctx: ServerContext): Record<JsonRouteId, Handler> {
  const { store, hub, metrics } = ctx
  const single = ctx.bodyLimit
  const json = async (c: RouteContext, limit = single) => parseJson(c.req, await readBody(c.req, limit))

  const policyReply = (receiver: string, policy: RetryPolicy): PolicyResponse => ({
    receiver,
    policy,
    maxDeliveries: policy.maxDeliveries ?? store.limits.maxDeliveries,
  })

  return {
    info: (c) => {
      const info: InfoResponse = {
        version: ctx.version,
        maxSize: ctx.maxSize,
        authRequired: ctx.auth.required,
        store: store.kind,
        // Lets clients measure their clock's offset, so lease countdowns match the server's clock.
        serverTime: new Date().toISOString(),
      }
      sendJson(c.res, 200, info)
    },

    send: async (c) => {
      const body = validate(outgoingRequestSchema, await json(c))
      if (body.to !== undefined) {
        // A fan-out: one transaction, one stored body, a result per recipient.
        const stored = await storeOutgoing(store, (r) => c.principal.canSend(r), [body])
        metrics.sent.inc(stored.sent)
        return sendJson(c.res, 200, stored.results[0])
      }
      const receiver = body.receiver!
      permit(c.principal.canSend(receiver), `send to ${receiver}`)
      const result = await store.send(toInput({ ...body, receiver }))
      if (!result.duplicate) metrics.sent.inc()
      sendJson(c.res, result.duplicate ? 200 : 201, result)
    },

    sendBatch: async (c) => {
      const body = validate(sendBatchRequestSchema, await json(c, ctx.batchBodyLimit))
      const { results, sent } = await storeBatch(store, (r) => c.principal.canSend(r), body.messages)
      metrics.sent.inc(sent)
      sendJson(c.res, 200, { results })
    },

    fetch: async (c) => {
      const receiver = c.params.receiver!
      const body = validate(fetchRequestSchema, await json(c))
      permit(c.principal.canReceive(receiver), `receive from ${receiver}`)
      const options = { leaseTime: body.leaseTime ?? LEASE_DEFAULT_MS, max: body.max ?? 1 }
      const deadline = Date.now() + Math.min(body.wait ?? 0, FETCH_MAX_WAIT_MS)
      let gone = false
      c.res.once('close', () => {
        gone = true
      })
      for (;;) {
        const messages = await store.fetch(receiver, options)
        const left = deadline - Date.now()
        if (messages.length > 0 || left <= 0 || gone || ctx.closing) {
          if (gone && messages.length > 0) {
            await hub.giveBack(messages)
            return
          }
          metrics.delivered(messages)
          return sendJson(c.res, 200, { messages: messages.map(leasedToWire) })
        }
        await hub.waitFor(receiver, left)
      }
    },

    ack: async (c) => {
      const body = validate(ackRequestSchema, await json(c))
      permit(c.principal.receives, 'receive')
      await store.ack(c.params.mid!, body.lid, Status.confirmed)
      metrics.acked.inc()
      sendJson(c.res, 200, { ok: true })
    },

    reject: async (c) => {
      const body = validate(rejectRequestSchema, await json(c))
      permit(c.principal.receives, 'receive')
      await store.ack(c.params.mid!, body.lid, Status.rejected, {
        ...(body.delay !== undefined ? { delay: body.delay } : {}),
        ...(body.reason !== undefined ? { reason: body.reason } : {}),
      })
      metrics.rejected.inc()
      sendJson(c.res, 200, { ok: true })
    },

    renew: async (c) => {
      const body = validate(renewRequestSchema, await json(c))
      permit(c.principal.receives, 'receive')
      const until = await store.renew(c.params.mid!, body.lid, body.leaseTime)
      sendJson(c.res, 200, { leasedUntil: new Date(until).toISOString() })
    },

    message: async (c) => {
      permit(c.principal.admin, 'read messages')
      const m = await store.get(c.params.mid!)
      if (!m) throw new PandoraError('not_found', 'no such message')
      sendJson(c.res, 200, storedToWire(m))
    },

    mailboxes: async (c) => {
      permit(c.principal.admin, 'list mailboxes')
      // Ten thousand mailboxes make a ~1 MB reply: built and serialized by the store off the loop
      // where it can (SQLite's read worker), else serialized here in slices between turns of the loop.
      if (store.mailboxesJson) await sendJsonArray(c.res, 'mailboxes', await store.mailboxesJson())
      else await sendJsonList(c.res, 'mailboxes', await store.mailboxes())
    },

    stats: async (c) => {
      permit(c.principal.admin, 'read mailbox stats')
      sendJson(c.res, 200, await store.stats(c.params.receiver!))
    },

    headers: async (c) => {
      permit(c.principal.admin, 'list headers')
      const q = validate(headersQuerySchema, Object.fromEntries(c.url.searchParams))
      const headers = await store.headers(c.params.receiver!, {
        ...(q.since ? { since: Date.parse(q.since) } : {}),
        ...(q.limit ? { limit: q.limit } : {}),
        ...(q.order ? { order: q.order } : {}),
      })
      sendJson(c.res, 200, { headers: headers.map(headerToWire) })
    },

    dead: async (c) => {
      permit(c.principal.admin, 'list dead letters')
      const q = validate(headersQuerySchema, Object.fromEntries(c.url.searchParams))
      const dead = await store.dead(c.params.receiver!, q.limit ?? 100)
      sendJson(c.res, 200, { headers: dead.map(headerToWire) })
    },

    redrive: async (c) => {
      permit(c.principal.admin, 'redrive')
      const body = validate(redriveRequestSchema, await json(c, ctx.batchBodyLimit))
      sendJson(c.res, 200, { count: await store.redrive(c.params.receiver!, body.mids) })
    },

    purge: async (c) => {
      permit(c.principal.admin, 'purge')
      await json(c) // takes no body, but one that is there must be JSON like every other
      // The observed store tells the sockets holding leases on the purged messages (create-server).
      const count = await store.purge(c.params.receiver!)
      sendJson(c.res, 200, { count })
    },

    policy: async (c) => {
      permit(c.principal.admin, 'read retry policies')
      const receiver = c.params.receiver!
      sendJson(c.res, 200, policyReply(receiver, await store.retryPolicy(receiver)))
    },

    setPolicy: async (c) => {
      permit(c.principal.admin, 'set retry policies')
      const receiver = c.params.receiver!
      // Checked by core's rule, not the route's zod schema, so every bad policy is `invalid_policy`.
      const policy = checkRetryPolicy(await json(c))
      sendJson(c.res, 200, policyReply(receiver, await store.setRetryPolicy(receiver, policy)))
    },
  }
}
