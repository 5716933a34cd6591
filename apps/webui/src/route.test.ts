import { describe, expect, it } from 'vitest'
import { parseRoute, type Route, routeHref } from './route.js'

describe('route', () => {
  it('route - mailbox names with @, slashes and spaces survive the hash', () => {
    const routes: Route[] = [
      { view: 'mailboxes' },
      { view: 'compose' },
      { view: 'compose', to: 'orders@shop' },
      { view: 'mailbox', receiver: 'a/b c@shop' },
      { view: 'mailbox', receiver: 'orders@shop', mid: 'a94a8fe5ccb19ba61c4c0873d391e987982fbbd3' },
    ]
    for (const r of routes) expect(parseRoute(routeHref(r))).toEqual(r)
  })

  it('route - unknown or broken hashes show the mailbox list', () => {
    expect(parseRoute('')).toEqual({ view: 'mailboxes' })
    expect(parseRoute('#/nowhere')).toEqual({ view: 'mailboxes' })
    expect(parseRoute('#/mailbox/%E0%A4%A')).toEqual({ view: 'mailboxes' })
  })
})
