import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Principal } from '../auth.js'

/** What a route handler gets. */
export interface RouteContext {
  req: IncomingMessage
  res: ServerResponse
  url: URL
  params: Record<string, string>
  principal: Principal
}

/** A route handler; it writes the reply itself. */
export type Handler = (ctx: RouteContext) => Promise<void> | void

interface Route {
  method: string
  segments: string[]
  handler: Handler
  /** Largest body this route accepts, in bytes. */
  bodyLimit: number
  /** Which error format this route speaks. */
  style: 'json' | 'form'
  /** Label for metrics: the pattern, never the concrete path. */
  pattern: string
}

/** The outcome of matching a request. */
export type Match =
  | { kind: 'found'; route: Route; params: Record<string, string> }
  | { kind: 'method'; allowed: string[]; style: 'json' | 'form' }
  | { kind: 'none' }

/**
 * A small path router: `/v1/mailboxes/:receiver/fetch`. Parameters are percent-decoded; a path
 * that matches with another method gives the allowed methods (for a 405).
 */
export class Router {
  readonly #routes: Route[] = []

  add(
    method: string,
    pattern: string,
    handler: Handler,
    options: { bodyLimit?: number; style?: 'json' | 'form' } = {},
  ): void {
    this.#routes.push({
      method,
      segments: pattern.split('/').filter(Boolean),
      handler,
      bodyLimit: options.bodyLimit ?? 64 * 1024,
      style: options.style ?? 'json',
      pattern,
    })
  }

  match(method: string, pathname: string): Match {
    const parts = pathname.split('/').filter(Boolean)
    const allowed: string[] = []
    let style: 'json' | 'form' = 'json'
    for (const route of this.#routes) {
      const params = matchSegments(route.segments, parts)
      if (!params) continue
      if (route.method === method || (method === 'HEAD' && route.method === 'GET')) {
        return { kind: 'found', route, params }
      }
      allowed.push(route.method)
      style = route.style
    }
    return allowed.length > 0 ? { kind: 'method', allowed, style } : { kind: 'none' }
  }
}

function matchSegments(pattern: string[], parts: string[]): Record<string, string> | null {
  if (pattern.length !== parts.length) return null
  const params: Record<string, string> = {}
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i]!
    const v = parts[i]!
    if (p.startsWith(':')) {
      try {
        params[p.slice(1)] = decodeURIComponent(v)
      } catch {
        return null
      }
    } else if (p !== v) return null
  }
  return params
}
