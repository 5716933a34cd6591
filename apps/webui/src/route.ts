/** A screen of the console, as held in the URL's hash (so reloads and links keep it; tokens never go there). */
export type Route =
  | { view: 'mailboxes' }
  | { view: 'compose'; to?: string }
  | { view: 'mailbox'; receiver: string; mid?: string }

/**
 * Reads a route from `location.hash`: `#/`, `#/compose`, `#/compose?to=x`, `#/mailbox/<name>`,
 * `#/mailbox/<name>/<mid>`. Anything unknown is the mailbox list.
 *
 * @example
 * ```ts
 * parseRoute('#/mailbox/orders%40shop') // { view: 'mailbox', receiver: 'orders@shop' }
 * ```
 */
export function parseRoute(hash: string): Route {
  const [path = '', query = ''] = hash.replace(/^#/, '').split('?', 2)
  const parts = path.split('/').filter((p) => p !== '')
  const decode = (s: string): string | undefined => {
    try {
      return decodeURIComponent(s)
    } catch {
      return undefined
    }
  }
  if (parts[0] === 'compose') {
    const to = new URLSearchParams(query).get('to')
    return to ? { view: 'compose', to } : { view: 'compose' }
  }
  if (parts[0] === 'mailbox' && parts[1] !== undefined) {
    const receiver = decode(parts[1])
    if (receiver === undefined || receiver === '') return { view: 'mailboxes' }
    const mid = parts[2] === undefined ? undefined : decode(parts[2])
    return mid ? { view: 'mailbox', receiver, mid } : { view: 'mailbox', receiver }
  }
  return { view: 'mailboxes' }
}

/** The hash of a route; the inverse of {@link parseRoute}. */
export function routeHref(route: Route): string {
  switch (route.view) {
    case 'mailboxes':
      return '#/'
    case 'compose':
      return route.to ? `#/compose?${new URLSearchParams({ to: route.to })}` : '#/compose'
    case 'mailbox': {
      const base = `#/mailbox/${encodeURIComponent(route.receiver)}`
      return route.mid ? `${base}/${encodeURIComponent(route.mid)}` : base
    }
  }
}
