import { createHash, timingSafeEqual } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { PandoraError } from '@pandora/core'

/** What a token may do. Mailbox patterns use `*` as a wildcard: `*@shop`, `orders@*`, `*`. */
export interface TokenScopes {
  /** Listings, message bodies, redrive, purge, metrics. */
  admin?: boolean
  /** Mailboxes this token may send to. */
  send?: readonly string[]
  /** Mailboxes this token may fetch from or subscribe to. */
  receive?: readonly string[]
}

/** One entry of a token file. */
export interface TokenEntry {
  /** The secret itself (keep the file private). */
  token: string
  /** A name for logs; never the token. */
  name?: string
  scopes: TokenScopes
}

/** Who is calling, and what they may do. */
export interface Principal {
  readonly name: string
  readonly admin: boolean
  canSend(mailbox: string): boolean
  canReceive(mailbox: string): boolean
  /** May ack/reject/renew: any receive scope (the lid itself is the capability for one message). */
  readonly receives: boolean
}

const everything: Principal = {
  name: 'anonymous',
  admin: true,
  receives: true,
  canSend: () => true,
  canReceive: () => true,
}

function globToRegExp(pattern: string): RegExp {
  const escaped = pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')
  return new RegExp(`^${escaped}$`, 's')
}

const digest = (token: string): Buffer => createHash('sha256').update(token, 'utf8').digest()

/**
 * Checks bearer tokens in constant time: each presented token is hashed (SHA-256) and compared
 * with every configured hash by `timingSafeEqual`, so neither length nor content leaks by timing.
 * With no tokens configured every caller may do everything (the loopback default).
 */
export class TokenAuth {
  readonly #entries: { hash: Buffer; principal: Principal }[]

  constructor(entries: readonly TokenEntry[]) {
    this.#entries = entries.map((e, i) => {
      if (typeof e.token !== 'string' || e.token.length < 8) {
        const which = e.name === undefined ? `token #${i + 1}` : `token "${e.name}"`
        throw new PandoraError('invalid_input', `${which} must be at least 8 characters`)
      }
      const send = (e.scopes.send ?? []).map(globToRegExp)
      const receive = (e.scopes.receive ?? []).map(globToRegExp)
      const admin = e.scopes.admin === true
      return {
        hash: digest(e.token),
        principal: {
          name: e.name ?? `token-${i + 1}`,
          admin,
          receives: admin || receive.length > 0,
          canSend: (m: string) => admin || send.some((r) => r.test(m)),
          canReceive: (m: string) => admin || receive.some((r) => r.test(m)),
        },
      }
    })
  }

  /** True when callers must present a token. */
  get required(): boolean {
    return this.#entries.length > 0
  }

  /** The principal of `token`, or null when it matches no entry (or is missing while one is required). */
  authenticate(token: string | undefined): Principal | null {
    if (!this.required) return everything
    if (!token) return null
    const hash = digest(token)
    let found: Principal | null = null
    for (const entry of this.#entries) {
      if (timingSafeEqual(hash, entry.hash) && found === null) found = entry.principal
    }
    return found
  }

  /** The token in an `Authorization: Bearer …` header, if any. */
  static bearer(header: string | undefined): string | undefined {
    if (!header) return undefined
    const m = /^Bearer\s+(.+)$/i.exec(header.trim())
    return m?.[1]?.trim()
  }
}

/**
 * Reads a token file: JSON `{ "tokens": [{ "token": "…", "name": "worker", "scopes": { "receive": ["*@shop"] } }] }`.
 */
export function readTokenFile(path: string): TokenEntry[] {
  let parsed: unknown
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'))
  } catch (cause) {
    throw new PandoraError('invalid_input', `cannot read token file ${path}: ${(cause as Error).message}`)
  }
  const tokens = (parsed as { tokens?: unknown })?.tokens
  if (!Array.isArray(tokens))
    throw new PandoraError('invalid_input', `token file ${path} needs a "tokens" list`)
  return tokens.map((t, i) => {
    const e = t as TokenEntry
    if (typeof e?.token !== 'string' || typeof e.scopes !== 'object' || e.scopes === null) {
      throw new PandoraError('invalid_input', `token file ${path}: entry ${i + 1} needs "token" and "scopes"`)
    }
    return e
  })
}

/** Throws `forbidden` unless `ok`. */
export function permit(ok: boolean, what: string): void {
  if (!ok) throw new PandoraError('forbidden', `this token may not ${what}`)
}
