import { isIP } from 'node:net'
import { PandoraError } from '@pandora/core'

/** What decides which `Host` names a server answers to. */
export interface HostPolicyOptions {
  /** With tokens configured the `Host` is not restricted: a rebound page has no token. */
  tokenRequired: boolean
  /** The address the server binds (`--host`). */
  bindHost: string
  /** Further names to answer to (`--allow-host`), without port; `'*'` allows any. */
  allowedHosts?: readonly string[] | undefined
}

const WILDCARD_BINDS = new Set(['0.0.0.0', '::', '0:0:0:0:0:0:0:0'])

/**
 * Which `Host` names a tokenless server answers to: its loopback names (`localhost`, `127.x.x.x`,
 * `[::1]`, any port), the names configured, and — when it binds a non-loopback address — that
 * address itself (on a wildcard bind, any IP literal). This stops DNS rebinding: a page of
 * `evil.example` whose name the attacker re-points at 127.0.0.1 still sends `Host: evil.example`,
 * while an IP literal cannot be re-pointed. A request without `Host` (HTTP/1.0 tools) is not a
 * browser's and passes.
 */
export class HostPolicy {
  readonly #open: boolean
  readonly #names: Set<string>
  readonly #anyIpLiteral: boolean

  constructor(o: HostPolicyOptions) {
    const allowed = (o.allowedHosts ?? []).map((h) => h.trim().toLowerCase()).filter(Boolean)
    this.#open = o.tokenRequired || allowed.includes('*')
    const bind = o.bindHost.toLowerCase().replace(/^\[(.*)\]$/, '$1')
    this.#anyIpLiteral = WILDCARD_BINDS.has(bind)
    this.#names = new Set(allowed.map((h) => h.replace(/^\[(.*)\]$/, '$1')))
    if (!this.#anyIpLiteral) this.#names.add(bind)
  }

  /** May a request carrying this `Host` header be served? */
  allows(host: string | undefined): boolean {
    if (this.#open || host === undefined) return true
    const name = hostName(host)
    if (name === null) return false
    if (isLoopback(name) || this.#names.has(name)) return true
    return this.#anyIpLiteral && isIP(name) !== 0
  }

  /** Throws `host_not_allowed` (421) unless {@link allows}. */
  check(host: string | undefined): void {
    if (!this.allows(host)) {
      throw new PandoraError(
        'host_not_allowed',
        'host not allowed: use a loopback address, a name given with --allow-host, or a token',
      )
    }
  }
}

/** The name part of a `Host` header, lower-case, IPv6 without brackets; null when malformed. */
function hostName(host: string): string | null {
  const m = /^(?:\[([0-9a-f:.]+)\]|([a-z0-9.-]+))(?::\d{1,5})?$/i.exec(host.trim())
  if (!m) return null
  return (m[1] ?? m[2] ?? '').toLowerCase()
}

function isLoopback(name: string): boolean {
  if (name === 'localhost' || name === '::1' || name === '0:0:0:0:0:0:0:1') return true
  return isIP(name) === 4 && name.startsWith('127.')
}
