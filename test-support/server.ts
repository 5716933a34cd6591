/**
 * Disposable servers and raw HTTP helpers for the tests of every workspace that needs a running
 * server (the server's own suites, the client's integration tests).
 *
 * Why here and not a `@pandora/server/testing` export: these helpers depend on vitest and on
 * SQLite, and must not ship in (or be published with) the server package; a root folder that no
 * package builds keeps them out of `dist`, out of publint's view and out of the product lint rules,
 * and it is where the other shared helper (the Chromium launcher) already lives. They reach the
 * server through its package name, `@pandora/server`, like any other user.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { MemoryStore, type Store } from '@pandora/core'
import { openSqliteStore } from '@pandora/core/sqlite'
import { createServer, type PandoraServer, type ServerOptions } from '@pandora/server'
import { afterAll } from 'vitest'

export { uniqueMailbox } from './mailbox.js'

/** The stores the HTTP and WebSocket suites run against (PostgreSQL: see pandorad's scale-out test). */
export const STORE_KINDS = ['memory', 'sqlite'] as const
export type StoreKind = (typeof STORE_KINDS)[number]

const dirs: string[] = []
afterAll(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

/** A fresh, empty store of `kind` (SQLite: a new file in a temporary folder). */
export async function newStore(kind: StoreKind): Promise<Store> {
  if (kind === 'memory') return new MemoryStore()
  const dir = mkdtempSync(join(tmpdir(), 'pandora-server-'))
  dirs.push(dir)
  return openSqliteStore({ path: join(dir, 'pandora.db') })
}

/** A disposable server on port 0, on the given store or a fresh one of `kind` (default memory). */
export async function startServer(
  options: Partial<ServerOptions> & { store?: Store; kind?: StoreKind } = {},
): Promise<PandoraServer> {
  const { kind = 'memory', ...rest } = options
  return createServer({ store: options.store ?? (await newStore(kind)), port: 0, logger: false, ...rest })
}

/** POSTs a form; returns status and the parsed form reply. */
export async function postForm(
  url: string,
  form: Record<string, string>,
): Promise<{ status: number; body: URLSearchParams; text: string }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form).toString(),
  })
  const text = await res.text()
  return { status: res.status, body: new URLSearchParams(text), text }
}

/** Sends JSON; returns status and parsed JSON. */
export async function json(
  url: string,
  method: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: Record<string, unknown>; headers: Headers }> {
  const res = await fetch(url, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  })
  const text = await res.text()
  return { status: res.status, body: text ? JSON.parse(text) : {}, headers: res.headers }
}

/** What {@link rawRequest} sends: any method, path, headers (Host and Origin included) and bytes. */
export interface RawRequest {
  method?: string
  path: string
  headers?: Record<string, string>
  body?: string | Buffer
}

/**
 * An HTTP request with exactly the given headers (fetch would add a content type, and cannot set
 * Host): no `content-type` unless given, `host` overridable. Returns status, headers and text.
 */
export async function rawRequest(
  baseUrl: string,
  r: RawRequest,
): Promise<{ status: number; headers: IncomingHttpHeaders; text: string }> {
  const url = new URL(baseUrl)
  const headers: Record<string, string | number> = { host: url.host, ...r.headers }
  if (r.body !== undefined) headers['content-length'] = Buffer.byteLength(r.body)
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        hostname: url.hostname,
        port: url.port,
        method: r.method ?? 'GET',
        path: r.path,
        headers,
        setHost: false,
      },
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            text: Buffer.concat(chunks).toString(),
          }),
        )
        res.on('error', reject)
      },
    )
    req.on('error', reject)
    req.end(r.body)
  })
}
