import { Worker } from 'node:worker_threads'

// What every worker of the SQLite store starts with. Workers are a few lines of plain JavaScript,
// evaluated (not files), so the same code runs from the TypeScript sources in tests and from the
// built package. Each opens a connection of its own (WAL lets it work beside the store's writer).
const PRELUDE = `
const { parentPort, workerData } = require('node:worker_threads')
const Database = require(workerData.driver)
const db = new Database(workerData.path, {
  readonly: workerData.readonly,
  fileMustExist: true,
  timeout: workerData.timeout,
})
const errorText = (e) => (e instanceof Error ? e.message : String(e))
`

// ...and ends with: 'close' closes the connection and lets the thread end; anything else goes to
// the \`handle\` function the worker's own source defines.
const LOOP = `
parentPort.on('message', (m) => {
  if (m === 'close') {
    db.close()
    parentPort.close()
    return
  }
  handle(m)
})
`

/** Where a store worker's connection opens, and how. */
export interface SqliteWorkerOptions {
  /** The file better-sqlite3 loads from (see `resolveDriver`). */
  driver: string
  /** busy timeout, ms. */
  timeout: number
  /** Opens the database read-only. */
  readonly: boolean
}

/**
 * Starts a worker thread that opens the database at `path` as `db`, then runs `source`, which must
 * define `handle(message)` (it may use `parentPort` and `errorText(error)`). The thread starts
 * unreferenced: an idle worker must not keep a process alive; {@link stopSqliteWorker} ends it.
 */
export function startSqliteWorker(path: string, options: SqliteWorkerOptions, source: string): Worker {
  const worker = new Worker(`${PRELUDE}${source}${LOOP}`, {
    eval: true,
    workerData: { path, driver: options.driver, timeout: options.timeout, readonly: options.readonly },
  })
  worker.unref()
  return worker
}

/** Asks a worker from {@link startSqliteWorker} to close its connection; resolves once it has exited. */
export async function stopSqliteWorker(worker: Worker): Promise<void> {
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()))
  // Held until it has exited: an unreferenced worker would let a process with nothing else to do
  // end right here, in the middle of closing the store.
  worker.ref()
  worker.postMessage('close')
  await exited
}
