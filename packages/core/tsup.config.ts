import { defineConfig } from 'tsup'

export default defineConfig({
  entry: {
    index: 'src/index.ts',
    protocol: 'src/protocol.ts',
    sqlite: 'src/stores/sqlite/index.ts',
    postgres: 'src/stores/postgres/index.ts',
  },
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'es2022',
  external: ['better-sqlite3', 'pg'],
  // import.meta.url in the CommonJS build too (the SQLite read worker resolves its driver from it).
  shims: true,
  // One copy of each module across entries, CommonJS too: `PandoraError` from the root and from
  // `/protocol` must be the same class for `instanceof`.
  splitting: true,
})
