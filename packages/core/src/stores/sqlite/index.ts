import { PandoraError } from '../../errors.js'
import { type SqliteDriver, SqliteStore, type SqliteStoreOptions } from './sqlite-store.js'

/**
 * Opens (creating and migrating when needed) a SQLite store. better-sqlite3 is an optional peer
 * dependency, loaded here on first use, so importing this module costs nothing without it.
 *
 * @example
 * ```ts
 * import { openSqliteStore } from '@pandora/core/sqlite'
 * const store = await openSqliteStore({ path: './pandora.db' })
 * ```
 * @throws PandoraError `unavailable` with an install hint when better-sqlite3 is not installed.
 */
export async function openSqliteStore(options: SqliteStoreOptions): Promise<SqliteStore> {
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
  const store = new SqliteStore(options, Database)
  await store.ready()
  return store
}

export { SCHEMA_VERSION } from './migrations.js'
export { type SqliteDriver, SqliteStore, type SqliteStoreOptions } from './sqlite-store.js'
