import { loadPg } from './load-pg.js'
import { PostgresStore, type PostgresStoreOptions } from './postgres-store.js'

/**
 * Opens a {@link PostgresStore}: loads the optional `pg` driver (failing with `unavailable` and an
 * install hint when it is missing), creates or migrates the schema, starts listening for other
 * instances' notifications, and resolves once the store can serve.
 *
 * @example
 * ```ts
 * import { openPostgresStore } from '@pandora/core/postgres'
 * const store = await openPostgresStore({ connectionString: process.env.DATABASE_URL!, schema: 'pandora' })
 * ```
 */
export async function openPostgresStore(options: PostgresStoreOptions): Promise<PostgresStore> {
  await loadPg()
  const store = new PostgresStore(options)
  try {
    await store.ready()
  } catch (error) {
    await store.close()
    throw error
  }
  return store
}

export { PostgresStore, type PostgresStoreOptions }
