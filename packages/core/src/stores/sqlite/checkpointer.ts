import type { Worker } from 'node:worker_threads'
import { startSqliteWorker, stopSqliteWorker } from './sqlite-worker.js'

// Its connection (see startSqliteWorker) only checkpoints: it copies the write-ahead log back into
// the database file and fsyncs that file, which is slow I/O that SQLite would otherwise do on the
// writing connection — on the event loop — every 1,000 pages.
const WORKER_SOURCE = `
db.pragma('synchronous = NORMAL')
const handle = () => {
  try {
    const [row] = db.pragma('wal_checkpoint(PASSIVE)')
    parentPort.postMessage({ ok: true, log: row.log, checkpointed: row.checkpointed })
  } catch (e) {
    parentPort.postMessage({ ok: false, error: errorText(e) })
  }
}
`

/** How long after a commit the next checkpoint may start: commits in between share it. */
const INTERVAL_MS = 50

/**
 * Moves the SQLite store's WAL checkpoints off the event loop. The store's own connection runs with
 * `wal_autocheckpoint = 0`; after commits, this class asks a worker thread (with a connection of its
 * own) for a PASSIVE checkpoint — one that never waits for, nor blocks, the writer — at most every
 * {@link INTERVAL_MS} ms while writes go on. Should the worker fail, `onFailure` is told, and the
 * store falls back to SQLite's automatic checkpoints, so the log never grows without bound.
 */
export class Checkpointer {
  readonly #worker: Worker
  /** Told once if the worker fails (it then stops); the store sets it. */
  onFailure: (error: Error) => void = () => {}
  #running = false
  #dirty = false
  #timer: ReturnType<typeof setTimeout> | undefined
  #closed = false
  /** Callers of {@link completed} waiting for the next checkpoint. */
  #waiting: (() => void)[] = []

  constructor(path: string, options: { driver: string; timeout: number }) {
    this.#worker = startSqliteWorker(path, { ...options, readonly: false }, WORKER_SOURCE)
    this.#worker.on('message', (m: { ok: boolean; error?: string }) => {
      this.#running = false
      if (!m.ok) return this.#fail(new Error(`SQLite checkpoint: ${m.error}`))
      for (const done of this.#waiting.splice(0)) done()
      if (this.#dirty) this.#schedule()
    })
    this.#worker.on('error', (error) => this.#fail(error))
  }

  /** Tells it a commit happened: a checkpoint follows soon, shared with later commits. */
  nudge(): void {
    if (this.#closed) return
    this.#dirty = true
    if (!this.#running) this.#schedule()
  }

  /** Resolves once the next checkpoint has completed (one runs soon after any commit). */
  completed(): Promise<void> {
    return new Promise((resolve) => this.#waiting.push(resolve))
  }

  /** Stops the worker; the store's connection checkpoints what is left when it closes. */
  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    clearTimeout(this.#timer)
    await stopSqliteWorker(this.#worker)
  }

  #schedule(): void {
    if (this.#timer !== undefined || this.#closed) return
    this.#timer = setTimeout(() => {
      this.#timer = undefined
      if (this.#closed) return
      this.#dirty = false
      this.#running = true
      this.#worker.postMessage('checkpoint')
    }, INTERVAL_MS)
    this.#timer.unref()
  }

  #fail(error: Error): void {
    if (this.#closed) return
    this.#closed = true
    clearTimeout(this.#timer)
    void this.#worker.terminate()
    this.onFailure(error)
  }
}
