import { MemoryStore, type Store } from '@pandora/core'
import type { Config } from './config.js'

/** Opens the store the config names; SQLite and PostgreSQL drivers load only when chosen. */
export async function openStore(config: Config): Promise<Store> {
  const common = {
    ...(config.maxSize !== undefined ? { maxSize: config.maxSize } : {}),
    ...(config.maxDeliveries !== undefined ? { maxDeliveries: config.maxDeliveries } : {}),
  }
  switch (config.store) {
    case 'memory':
      return new MemoryStore(common)
    case 'sqlite': {
      const { openSqliteStore } = await import('@pandora/core/sqlite')
      return openSqliteStore({ ...common, path: config.db, synchronous: config.sqliteSync })
    }
    case 'postgres': {
      const { openPostgresStore } = await import('@pandora/core/postgres')
      return openPostgresStore({
        ...common,
        connectionString: config.postgresUrl!,
        schema: config.postgresSchema,
      })
    }
  }
}
