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
    // log: the frames in the log when it ran (-1 when there is no log).
    parentPort.postMessage({ ok: true, log: row.log })
  } catch (e) {
    parentPort.postMessage({ ok: false, error: errorText(e) })
  }
}
`

/** How long after a commit the next checkpoint may start: commits in between share it. */
const INTERVAL_MS = 50

/**
 * The log's length, in frames (pages), past which writes wait for a checkpoint to catch up. A
 * PASSIVE checkpoint copies what was committed before it started; SQLite starts the log over only
 * when a write begins after every frame was copied. Writes that never pause for as long as one
 * checkpoint takes would let the log grow without end (measured: ~110 MB/s under 64 senders), so
 * past this length the store holds its next group until a checkpoint has run with no write beside
 * it: that group's commit then starts the log over. 16,384 frames is 64 MiB of 4 KiB pages. The
 * pause is one checkpoint long (it copies what was written since the last and fsyncs twice; the
 * event loop stays free): 26–65 ms about twice a second for the store alone at its fastest
 * (`bench/log-bound.mjs`, docs/stores.md), and as often as the log fills under lighter loads.
 */
export const LOG_RESTART_FRAMES = 16_384

/**
 * Moves the SQLite store's WAL checkpoints off the event loop. The store's own connection runs with
 * `wal_autocheckpoint = 0`; after commits, this class asks a worker thread (with a connection of its
 * own) for a PASSIVE checkpoint — one that never waits for, nor blocks, the writer — at most every
 * {@link INTERVAL_MS} ms while writes go on. Once a checkpoint beside writes finds the log longer
 * than {@link LOG_RESTART_FRAMES}, {@link holdWrites} makes the writer wait for one checkpoint with
 * no write beside it, so the log starts over. Should the worker fail, `onFailure` is told, and the store falls back to SQLite's automatic
 * checkpoints, so the log never grows without bound.
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
  /** The last checkpoint ran beside writes and found the log longer than {@link restartFrames}. */
  #behind = false
  /** Writes are held until the next checkpoint ends ({@link holdWrites}); `#letGo` ends the hold. */
  #held: Promise<void> | undefined
  #letGoHeld: (() => void) | undefined
  /** The checkpoint running now started while writes were held. */
  #runHeld = false
  /** The log length, in frames, past which writes are held (default {@link LOG_RESTART_FRAMES}). */
  readonly restartFrames: number

  constructor(path: string, options: { driver: string; timeout: number; restartFrames?: number }) {
    this.restartFrames = options.restartFrames ?? LOG_RESTART_FRAMES
    this.#worker = startSqliteWorker(
      path,
      { driver: options.driver, timeout: options.timeout, readonly: false },
      WORKER_SOURCE,
    )
    this.#worker.on('message', (m: { ok: boolean; error?: string; log?: number }) => {
      this.#running = false
      if (!m.ok) return this.#fail(new Error(`SQLite checkpoint: ${m.error}`))
      if (this.#runHeld) {
        // Nothing was written while it ran, so it copied the whole log (unless a reader held some
        // frames back): the held group's commit starts the log over. Let it go.
        this.#behind = false
        this.#letGo()
      } else {
        // Frames committed while it ran are not copied yet, whatever it reports: only a checkpoint
        // with writes held can catch up.
        this.#behind = (m.log ?? 0) >= this.restartFrames
      }
      for (const done of this.#waiting.splice(0)) done()
      // A hold that began while this one ran needs a checkpoint of its own.
      if (this.#held) this.#run()
      else if (this.#dirty) this.#schedule()
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

  /**
   * Undefined while the log is short. Once a checkpoint beside writes found it longer than
   * {@link restartFrames}, a promise that resolves when a checkpoint started after this call ends
   * (at once, or as soon as the running one ends): the writer holds its next commit until then, so
   * that checkpoint copies everything and the commit starts the log over. Never rejects; resolves
   * at once if the worker stops.
   */
  holdWrites(): Promise<void> | undefined {
    if (!this.#behind || this.#closed) return undefined
    if (!this.#held) {
      this.#held = new Promise<void>((resolve) => {
        this.#letGoHeld = resolve
      })
      // One running now started beside writes: the message handler starts the next when it ends.
      if (!this.#running) {
        clearTimeout(this.#timer)
        this.#timer = undefined
        this.#run()
      }
    }
    return this.#held
  }

  /** Stops the worker; the store's connection checkpoints what is left when it closes. */
  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    clearTimeout(this.#timer)
    this.#release()
    await stopSqliteWorker(this.#worker)
  }

  #schedule(): void {
    if (this.#timer !== undefined || this.#closed) return
    this.#timer = setTimeout(() => {
      this.#timer = undefined
      if (!this.#closed) this.#run()
    }, INTERVAL_MS)
    this.#timer.unref()
  }

  #run(): void {
    this.#dirty = false
    this.#running = true
    this.#runHeld = this.#held !== undefined
    this.#worker.postMessage('checkpoint')
  }

  #letGo(): void {
    const letGo = this.#letGoHeld
    this.#held = undefined
    this.#letGoHeld = undefined
    letGo?.()
  }

  /** Lets held writes and waiting callers go: no checkpoint will come from this worker again. */
  #release(): void {
    this.#behind = false
    this.#letGo()
    for (const done of this.#waiting.splice(0)) done()
  }

  #fail(error: Error): void {
    if (this.#closed) return
    this.#closed = true
    clearTimeout(this.#timer)
    this.#release()
    void this.#worker.terminate()
    this.onFailure(error)
  }
}
