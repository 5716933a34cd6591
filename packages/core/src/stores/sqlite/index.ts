import { PandoraError } from '../../errors.js'
import { resolveStoreOptions } from '../store-rules.js'
import { Checkpointer } from './checkpointer.js'
import { ReadWorker } from './read-worker.js'
import {
  openSqliteDatabase,
  type SqliteDriver,
  SqliteStore,
  type SqliteStoreOptions,
  workerOptionsFor,
} from './sqlite-store.js'

/**
 * Opens (creating and migrating when needed) a SQLite store. better-sqlite3 is an optional peer
 * dependency, loaded here on first use, so importing this module costs nothing without it.
 *
 * @example
 * ```ts
 * import { openSqliteStore } from '@pandora/core/sqlite'
 * const store = await openSqliteStore({ path: './pandora.db' })
 * ```
 * @throws PandoraError `invalid_input` for invalid options; `unavailable` with an install hint when
 * better-sqlite3 is not installed, or when the file cannot be opened.
 */
export async function openSqliteStore(options: SqliteStoreOptions): Promise<SqliteStore> {
  const resolved = resolveStoreOptions(options)
  let Database: SqliteDriver
  try {
    const mod = (await import('better-sqlite3')) as { default?: SqliteDriver }
    Database = mod.default ?? (mod as unknown as SqliteDriver)
  } catch (cause) {
    throw new PandoraError(
      'unavailable',
      'the SQLite store needs better-sqlite3; install better-sqlite3@12: npm i better-sqlite3@12',
      { cause },
    )
  }
  const { db, synchronous } = openSqliteDatabase(options, Database)
  const { path, busyTimeout } = options
  const readOn = workerOptionsFor(path, busyTimeout, options.readWorker ?? true)
  const checkpointOn = workerOptionsFor(path, busyTimeout, options.backgroundCheckpoints ?? true)
  const reader = readOn && new ReadWorker(path, readOn)
  const checkpointer = checkpointOn && new Checkpointer(path, checkpointOn)
  return new SqliteStore(db, { ...resolved, synchronous, reader, checkpointer })
}

export { SCHEMA_VERSION } from './migrations.js'
export { type SqliteDriver, SqliteStore, type SqliteStoreOptions } from './sqlite-store.js'
