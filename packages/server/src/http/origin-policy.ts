/**
 * Which browser origins may call the server: a page from the server's own origin always may, others
 * only when listed (`'*'` lists every origin). Requests without an `Origin` header (Node, curl, Go)
 * are not browsers' cross-site requests and are always allowed.
 */
export class OriginPolicy {
  readonly #allowed: Set<string>

  constructor(allowed: readonly string[] = []) {
    this.#allowed = new Set(allowed)
  }

  /** May a request with this `Origin`, arriving with this `Host`, be served? */
  allows(origin: string | undefined, host: string | undefined): boolean {
    if (!origin) return true
    return this.#allowed.has('*') || this.#allowed.has(origin) || hostOf(origin) === host
  }

  /** True for an allowed origin other than the server's own: it needs CORS headers. */
  needsCors(origin: string | undefined, host: string | undefined): origin is string {
    return origin !== undefined && this.allows(origin, host) && hostOf(origin) !== host
  }
}

function hostOf(origin: string): string | undefined {
  try {
    return new URL(origin).host
  } catch {
    return undefined
  }
}
