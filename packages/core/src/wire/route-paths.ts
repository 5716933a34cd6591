/**
 * Method and path of every JSON API route, without their schemas: what a client needs to call
 * them. {@link JSON_ROUTES} adds the schemas and docs to these entries, so the two cannot disagree;
 * this module stays free of zod, for browser bundles.
 */
export const ROUTE_PATHS = {
  info: { method: 'GET', path: '/v1/info' },
  send: { method: 'POST', path: '/v1/messages' },
  sendBatch: { method: 'POST', path: '/v1/messages/batch' },
  fetch: { method: 'POST', path: '/v1/mailboxes/:receiver/fetch' },
  ack: { method: 'POST', path: '/v1/messages/:mid/ack' },
  reject: { method: 'POST', path: '/v1/messages/:mid/reject' },
  renew: { method: 'POST', path: '/v1/messages/:mid/renew' },
  message: { method: 'GET', path: '/v1/messages/:mid' },
  mailboxes: { method: 'GET', path: '/v1/mailboxes' },
  stats: { method: 'GET', path: '/v1/mailboxes/:receiver' },
  headers: { method: 'GET', path: '/v1/mailboxes/:receiver/headers' },
  dead: { method: 'GET', path: '/v1/mailboxes/:receiver/dead' },
  redrive: { method: 'POST', path: '/v1/mailboxes/:receiver/redrive' },
  purge: { method: 'DELETE', path: '/v1/mailboxes/:receiver' },
  policy: { method: 'GET', path: '/v1/mailboxes/:receiver/policy' },
  setPolicy: { method: 'PUT', path: '/v1/mailboxes/:receiver/policy' },
} as const satisfies Record<string, { method: 'GET' | 'POST' | 'PUT' | 'DELETE'; path: string }>

/** The name of a JSON API route. */
export type JsonRouteId = keyof typeof ROUTE_PATHS

/**
 * The concrete path of a route: each `:name` replaced by its percent-encoded parameter.
 *
 * @example
 * ```ts
 * routePath('fetch', { receiver: 'orders@shop' }) // '/v1/mailboxes/orders%40shop/fetch'
 * ```
 */
export function routePath(id: JsonRouteId, params: { receiver?: string; mid?: string } = {}): string {
  return ROUTE_PATHS[id].path.replace(/:(receiver|mid)\b/g, (_, name: 'receiver' | 'mid') => {
    const value = params[name]
    if (value === undefined) throw new TypeError(`route ${id} needs the ${name} parameter`)
    return encodeURIComponent(value)
  })
}
