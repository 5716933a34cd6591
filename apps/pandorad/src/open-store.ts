import { openMemoryStore, type Store, type StoreOptions } from '@pandora/core'
import type { Config } from './config.js'

/**
 * Opens the store the config names, the one way every store opens; SQLite and PostgreSQL drivers
 * load only when chosen. `onError` hears what no caller sees (e.g. a lost PostgreSQL listener).
 */
export async function openStore(config: Config, onError?: (error: unknown) => void): Promise<Store> {
  const common: StoreOptions = {
    ...(config.maxSize !== undefined ? { maxSize: config.maxSize } : {}),
    ...(config.maxDeliveries !== undefined ? { maxDeliveries: config.maxDeliveries } : {}),
    ...(onError ? { onError } : {}),
  }
  switch (config.store) {
    case 'memory':
      return openMemoryStore(common)
    case 'sqlite': {
      const { openSqliteStore } = await import('@pandora/core/sqlite')
      return openSqliteStore({
        ...common,
        path: config.db,
        synchronous: config.sqliteSync,
        backgroundCheckpoints: config.sqliteCheckpoints === 'background',
      })
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
