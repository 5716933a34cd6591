import { defineConfig } from 'tsup'

export default defineConfig({
  entry: { main: 'src/main.ts' },
  format: ['esm'],
  dts: false,
  clean: true,
  sourcemap: true,
  target: 'node20',
  // Workspace packages are bundled from source condition-free builds; native and server drivers stay external.
  external: ['better-sqlite3', 'pg', 'pino', 'prom-client', 'ws', 'zod', '@pandora/core', '@pandora/server'],
})
