import {
  type Fields,
  headerToWire,
  LEASE_DEFAULT_MS,
  PandoraError,
  parseGoDuration,
  parseKey,
  Status,
  statusName,
} from '@pandora/core'
import { permit } from '../auth.js'
import type { ServerContext } from '../server-context.js'
import { parseForm, readBody } from './request-body.js'
import { sendForm, sendJson } from './responses.js'
import type { RouteContext, Router } from './router.js'

const first = (form: Map<string, string[]>, name: string): string | undefined => form.get(name)?.[0]
const rfc3339 = (ms: number): string => new Date(ms).toISOString()

/** Fields the original API reads from a send form; every other field forms the body. */
const SEND_CONTROL_FIELDS = new Set(['sender', 'receiver', 'delay', 'clientTime'])

/**
 * Mounts the original server's form API at `prefix` (`''` and `/api`): `/send`, `/fetch`, `/ack`,
 * `/admin/headers`, `/admin/fetchBlob`. Replies and errors are form-encoded as the original's:
 * an API error is a 400 with the body `error=<url-encoded message>`.
 */
export function mountFormApi(router: Router, ctx: ServerContext, prefix: string): void {
  const { store, metrics } = ctx
  const form = async (c: RouteContext) => {
    const body = parseForm(c.req, await readBody(c.req, ctx.bodyLimit))
    // Go's r.FormValue also reads the query string; keep that for compatibility.
    for (const [k, v] of c.url.searchParams) if (!body.has(k)) body.set(k, [v])
    return body
  }
  const options = { style: 'form' as const }

  router.add(
    'POST',
    `${prefix}/send`,
    async (c) => {
      const f = await form(c)
      const receiver = first(f, 'receiver') ?? ''
      const fields: Fields = {}
      for (const [k, v] of f) if (!SEND_CONTROL_FIELDS.has(k)) fields[k] = v
      const delay = first(f, 'delay')
      const delayMs = delay ? parseGoDuration(delay) : 0
      if (delayMs < 0) throw new PandoraError('invalid_duration', 'delay must not be negative')
      permit(c.principal.canSend(receiver), `send to ${receiver}`)
      const clientTime = first(f, 'clientTime')
      const result = await store.send({
        sender: first(f, 'sender') ?? '',
        receiver,
        fields,
        delay: delayMs,
        ...(clientTime ? { clientTime } : {}),
      })
      if (!result.duplicate) metrics.sent.inc()
      sendForm(c.res, 200, new URLSearchParams({ mid: result.mid }))
    },
    options,
  )

  router.add(
    'POST',
    `${prefix}/fetch`,
    async (c) => {
      const f = await form(c)
      const receiver = first(f, 'receiver') ?? ''
      const lease = first(f, 'leaseTime')
      permit(c.principal.canReceive(receiver), `receive from ${receiver}`)
      const [m] = await store.fetch(receiver, {
        leaseTime: lease ? parseGoDuration(lease) : LEASE_DEFAULT_MS,
      })
      if (!m) throw new PandoraError('no_messages')
      metrics.delivered([m])
      const out = new URLSearchParams()
      for (const [k, values] of Object.entries(m.fields)) for (const v of values) out.append(k, v)
      out.set('mid', m.mid)
      out.set('lid', m.lid)
      out.set('statusCode', String(m.status))
      out.set('status', statusName(m.status) ?? 'unknown')
      out.set('leasedUntil', rfc3339(m.leasedUntil))
      out.set('receivedAt', rfc3339(m.receivedAt))
      out.set('deliveryCount', String(m.deliveryCount))
      out.set('sendWhen', rfc3339(m.sendWhen))
      out.set('validBody', 'true')
      sendForm(c.res, 200, out)
    },
    options,
  )

  router.add(
    'POST',
    `${prefix}/ack`,
    async (c) => {
      const f = await form(c)
      const code = Number(first(f, 'statusCode'))
      const delay = first(f, 'delay')
      permit(c.principal.receives, 'receive')
      await store.ack(
        first(f, 'mid') ?? '',
        first(f, 'lid') ?? '',
        code as 1 | 2,
        delay ? { delay: parseGoDuration(delay) } : {},
      )
      if (code === Status.confirmed) metrics.acked.inc()
      else metrics.rejected.inc()
      sendForm(c.res, 200, '')
    },
    options,
  )

  router.add(
    'GET',
    `${prefix}/admin/headers`,
    async (c) => {
      permit(c.principal.admin, 'list headers')
      const receiver = c.url.searchParams.get('receiver') ?? ''
      const at = c.url.searchParams.get('receivedat') ?? c.url.searchParams.get('receivedAt')
      let since = 0
      if (at) {
        const parsed = Date.parse(at)
        if (!Number.isNaN(parsed) && /^\d{4}-/.test(at)) since = parsed
        else since = Date.now() + parseGoDuration(at)
      }
      const limit = Number(c.url.searchParams.get('limit') ?? 1000)
      const headers = await store.headers(receiver, { since, limit })
      sendJson(c.res, 200, headers.map(headerToWire))
    },
    options,
  )

  router.add(
    'GET',
    `${prefix}/admin/fetchBlob`,
    async (c) => {
      permit(c.principal.admin, 'read message bodies')
      const bytes = await store.getBlob(parseKey(c.url.searchParams.get('mid') ?? ''))
      if (!bytes) throw new PandoraError('not_found', 'no such blob')
      c.res.writeHead(200, {
        'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
        'content-length': bytes.byteLength,
      })
      c.res.end(bytes)
    },
    options,
  )
}
