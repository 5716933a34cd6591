import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { ManualClock } from '../../clock.js'
import type { StoreOptions } from '../../store.js'
import { runStoreConformance } from '../store.case.test.js'
import { SCHEMA_VERSION } from './migrations.js'
import { SqliteStore, type SqliteStoreOptions } from './sqlite-store.js'

const dirs: string[] = []
const tempFile = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'pandora-sqlite-'))
  dirs.push(dir)
  return join(dir, 'pandora.db')
}
const removeTemp = (): void => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
}

describe('sqlite store', () => {
  runStoreConformance({
    newStore: async (options?: StoreOptions) => {
      const clock = new ManualClock()
      const path = tempFile()
      const make = (): SqliteStore => new SqliteStore({ ...options, path, clock }, Database)
      let store = make()
      return {
        store,
        advance: (ms) => clock.advance(ms),
        reopen: async () => {
          await store.close()
          store = make()
          return store
        },
        // Other connections on the same file: real concurrent writers, serialised by SQLite's lock.
        peers: async (n) => Array.from({ length: n }, make),
        dispose: async () => {
          await store.close()
          removeTemp()
        },
      }
    },
  })
})
