import type { IncomingMessage } from 'node:http'
import { PandoraError } from '@pandora/core'

/**
 * Which browser origins may call the server: a page from the server's own origin (same scheme,
 * host and port as the request's own) always may, others only when listed (`'*'` lists every
 * origin). Requests without an `Origin` header (Node, curl, Go) are not browsers' cross-site
 * requests and are always allowed. Every route checks it, not only the WebSocket: a cross-site
 * form POST carries an `Origin` and needs no preflight.
 *
 * The request's own origin is `http://<Host>`, or `https://<Host>` when the connection is TLS or a
 * proxy in front says so with `X-Forwarded-Proto` (a cross-site page cannot set that header
 * without a preflight, which only allowed origins pass). The `Host` itself is checked first by
 * {@link HostPolicy}, so a rebound name cannot make a foreign page look same-origin.
 */
export class OriginPolicy {
  readonly #allowed: Set<string>
  readonly #any: boolean

  constructor(allowed: readonly string[] = []) {
    this.#any = allowed.includes('*')
    this.#allowed = new Set(allowed.filter((o) => o !== '*').map((o) => originOf(o) ?? o))
  }

  /** May a request with this `Origin`, arriving with this `Host` over `scheme`, be served? */
  allows(origin: string | undefined, host: string | undefined, scheme: 'http' | 'https' = 'http'): boolean {
    if (origin === undefined) return true
    if (this.#any || this.#allowed.has(origin)) return true
    const normalized = originOf(origin)
    if (normalized === undefined) return false
    return this.#allowed.has(normalized) || this.#isSame(normalized, host, scheme)
  }

  /** True for an allowed origin other than the server's own: it needs CORS headers. */
  needsCors(
    origin: string | undefined,
    host: string | undefined,
    scheme: 'http' | 'https' = 'http',
  ): origin is string {
    if (origin === undefined || !this.allows(origin, host, scheme)) return false
    const normalized = originOf(origin)
    return normalized === undefined || !this.#isSame(normalized, host, scheme)
  }

  /** Throws `origin_not_allowed` (403) unless the request's `Origin` {@link allows}. */
  check(req: IncomingMessage): void {
    if (!this.allows(req.headers.origin, req.headers.host, schemeOf(req))) {
      throw new PandoraError(
        'origin_not_allowed',
        'origin not allowed: a page may call this server only from its own origin or one given with --allow-origin',
      )
    }
  }

  #isSame(origin: string, host: string | undefined, scheme: 'http' | 'https'): boolean {
    return host !== undefined && originOf(`${scheme}://${host}`) === origin
  }
}

/** The scheme the client used: TLS on the socket, or what a proxy in front reports. */
export function schemeOf(req: IncomingMessage): 'http' | 'https' {
  if ((req.socket as { encrypted?: boolean }).encrypted) return 'https'
  const forwarded = req.headers['x-forwarded-proto']
  const first = (Array.isArray(forwarded) ? forwarded[0] : forwarded)?.split(',')[0]?.trim().toLowerCase()
  return first === 'https' ? 'https' : 'http'
}

/** `scheme://host[:port]`, normalized (lower case, default port dropped); undefined when not a URL. */
function originOf(text: string): string | undefined {
  try {
    const url = new URL(text)
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined
    // An origin has no path, credentials, query or fragment.
    if (url.username || url.password || url.search || url.hash || !/^[a-z]+:\/\/[^/]+\/?$/i.test(text))
      return undefined
    return url.origin
  } catch {
    return undefined
  }
}
