import { MemoryStore, type Store } from '@pandora/core'
import { createServer, type PandoraServer, type ServerOptions } from './create-server.js'

let counter = 0
/** A mailbox name unique to this test run. */
export const uniqueMailbox = (tag = 'box'): string => `${tag}-${Date.now().toString(36)}-${++counter}@test`

/** A disposable server on port 0 (memory store unless one is given). */
export async function startServer(
  options: Partial<ServerOptions> & { store?: Store } = {},
): Promise<PandoraServer> {
  return createServer({ store: options.store ?? new MemoryStore(), port: 0, logger: false, ...options })
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
