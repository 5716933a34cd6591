import {
  emptyFields,
  encodeFields,
  LEASE_DEFAULT_MS,
  PandoraError,
  parseGoDuration,
  parseKey,
  Status,
  statusName,
} from '@pandora/core'
import { permit } from '../auth.js'
import type { ServerContext } from '../server-context.js'
import { goTime, parseTimeOrOffset } from './go-format.js'
import { ORIGINAL_HEADERS_PAGE, originalHeaders, originalHeaderValues } from './original-headers.js'
import { parseForm, readBody } from './request-body.js'
import { sendForm } from './responses.js'
import type { RouteContext, Router } from './router.js'

const first = (form: Map<string, string[]>, name: string): string | undefined => form.get(name)?.[0]

/** Fields the original API reads from a send form; every other field forms the body. */
const SEND_CONTROL_FIELDS = new Set(['sender', 'receiver', 'delay', 'clientTime'])

/**
 * Mounts the original server's form API at `prefix` (`''` and `/api`): `/send`, `/fetch`, `/ack`,
 * `/admin/headers`, `/admin/fetchBlob`, `/admin/reenqueue`. Replies and errors are those of the
 * original's handler (`pandora/http/api.go`), which its Go client and web UI rely on: an API error
 * is a 400 with the body `error=<url-encoded message>`, an empty fetch or listing is a 204.
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
      const fields = emptyFields()
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
      // The original answers "no messages at this moment" with 204 and no body; its client maps
      // exactly that to ErrNoData.
      if (!m) {
        c.res.writeHead(204, { 'cache-control': 'no-store' }).end()
        return
      }
      metrics.delivered([m])
      const out = new URLSearchParams()
      for (const [k, values] of Object.entries(m.fields)) for (const v of values) out.append(k, v)
      out.set('mid', m.mid)
      out.set('lid', m.lid)
      out.set('statusCode', String(m.status))
      out.set('status', statusName(m.status) ?? 'unknown')
      out.set('leasedUntil', goTime(m.leasedUntil))
      out.set('receivedAt', goTime(m.receivedAt))
      out.set('deliveryCount', String(m.deliveryCount))
      out.set('sendWhen', goTime(m.sendWhen))
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

  // The original served its admin routes to any method; its web UI uses GET.
  const admin = (path: string, handler: (c: RouteContext) => Promise<void> | void) => {
    for (const method of ['GET', 'POST']) router.add(method, `${prefix}${path}`, handler, options)
  }

  admin('/admin/headers', async (c) => {
    permit(c.principal.admin, 'list headers')
    const f = await form(c)
    const receiver = first(f, 'receiver') ?? ''
    const at = first(f, 'receivedat')
    // Lease ends and due times are on the store's clock (the database's, for PostgreSQL).
    const now = store.clock.now()
    // Exclusive bound: the original web UI pages on with the last row's receivedAt.
    const after = at ? parseTimeOrOffset(at, now, parseGoDuration) : Number.NEGATIVE_INFINITY
    const rows = await originalHeaders(store, receiver, after, now, ORIGINAL_HEADERS_PAGE)
    if (rows.length === 0) {
      c.res.writeHead(204, { 'cache-control': 'no-store' }).end()
      return
    }
    // Go's json.Encoder: one JSON value and a newline.
    const text = `${JSON.stringify(rows.map(originalHeaderValues))}\n`
    c.res.writeHead(200, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(text),
      'cache-control': 'no-store',
    })
    c.res.end(text)
  })

  // The original made expired leases available again here; ours do so by themselves.
  admin('/admin/reenqueue', (c) => {
    permit(c.principal.admin, 'reenqueue')
    c.res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'content-length': 2 })
    c.res.end('OK')
  })

  admin('/admin/fetchBlob', async (c) => {
    permit(c.principal.admin, 'read message bodies')
    // The message's whole body: its blob holds the part its recipients share, the receiver aside.
    const fields = (await store.get(parseKey(first(await form(c), 'mid') ?? '')))?.fields
    if (!fields) throw new PandoraError('not_found', 'no such blob')
    const bytes = new TextEncoder().encode(encodeFields(fields))
    c.res.writeHead(200, {
      'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
      'content-length': bytes.byteLength,
    })
    c.res.end(bytes)
  })
}
