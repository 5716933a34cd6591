import { createRequire } from 'node:module'
import type { Worker } from 'node:worker_threads'
import { PandoraError } from '../../errors.js'
import { type CountsQuery, type CountsResult, countMailboxes } from './mailbox-counts.js'
import { startSqliteWorker, stopSqliteWorker } from './sqlite-worker.js'

/** One read: an SQL text, whether it returns every row or the first, and its named parameters. */
export type ReadStep = [sql: string, mode: 'all' | 'get', params?: Record<string, unknown>]

// On a read-only connection of its own (see startSqliteWorker), it runs each request's reads in one
// read transaction, so counts taken together add up.
const WORKER_SOURCE = `
const statements = new Map()
const prepared = (sql) => {
  let s = statements.get(sql)
  if (!s) statements.set(sql, (s = db.prepare(sql)))
  return s
}
const run = db.transaction((steps) =>
  steps.map(([sql, mode, params]) => (mode === 'all' ? prepared(sql).all(params || {}) : prepared(sql).get(params || {}))),
)
const countMailboxes = ${countMailboxes.toString()}
const counts = db.transaction((query) => countMailboxes(prepared, query))
const handle = (m) => {
  try {
    const result = m.counts ? counts(m.counts) : run(m.steps)
    // A list's bytes are handed over, not copied (see CountsQuery.json).
    parentPort.postMessage({ id: m.id, result }, result.json ? [result.json.buffer] : [])
  } catch (e) {
    parentPort.postMessage({ id: m.id, error: errorText(e) })
  }
}
`

/** The file better-sqlite3 loads from, as seen from this module; undefined when it cannot be found. */
export function resolveDriver(): string | undefined {
  try {
    return createRequire(import.meta.url).resolve('better-sqlite3')
  } catch {
    return undefined
  }
}

/**
 * The SQLite store's reads that grow with the store — mailbox counts, header listings, dead
 * letters — on a worker thread with a read-only connection of its own. better-sqlite3 is
 * synchronous: counting a million rows on the main thread would stall every socket and request for
 * as long; here the event loop only waits for a message.
 */
export class ReadWorker {
  readonly #worker: Worker
  readonly #pending = new Map<number, { resolve: (r: unknown) => void; reject: (e: Error) => void }>()
  #next = 0
  #closed = false

  constructor(path: string, options: { driver: string; timeout: number }) {
    this.#worker = startSqliteWorker(path, { ...options, readonly: true }, WORKER_SOURCE)
    this.#worker.on('message', (m: { id: number; result?: unknown; error?: string }) => {
      const p = this.#pending.get(m.id)
      if (!p) return
      this.#pending.delete(m.id)
      if (this.#pending.size === 0) this.#worker.unref()
      if (m.error !== undefined) p.reject(new PandoraError('unavailable', `SQLite: ${m.error}`))
      else p.resolve(m.result ?? [])
    })
    this.#worker.on('error', (error) => this.#failAll(error))
    this.#worker.on('exit', () => this.#failAll(new PandoraError('store_closed')))
  }

  /** Runs `steps` in one read transaction on the worker; resolves with each step's result. */
  read(steps: readonly ReadStep[]): Promise<unknown[]> {
    return this.#request({ steps }) as Promise<unknown[]>
  }

  /**
   * Counts mailboxes by state on the worker, in one read transaction (see {@link countMailboxes}):
   * only the query and a compact result cross the thread, never a statement per mailbox.
   */
  counts(query: CountsQuery): Promise<CountsResult> {
    return this.#request({ counts: query }) as Promise<CountsResult>
  }

  #request(body: { steps: readonly ReadStep[] } | { counts: CountsQuery }): Promise<unknown> {
    if (this.#closed) return Promise.reject(new PandoraError('store_closed'))
    const id = ++this.#next
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (r: unknown) => void, reject })
      // Keep the process alive while a read is on its way.
      this.#worker.ref()
      this.#worker.postMessage({ id, ...body })
    })
  }

  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    await stopSqliteWorker(this.#worker)
  }

  #failAll(error: unknown): void {
    this.#closed = true
    const e = error instanceof Error ? error : new Error(String(error))
    for (const p of this.#pending.values()) p.reject(e)
    this.#pending.clear()
  }
}
