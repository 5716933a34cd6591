import { existsSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import preact from '@preact/preset-vite'
import { defineConfig } from 'vite'

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url))

// Workspace packages are bundled from their TypeScript source (the '@pandora/source' condition), so the
// console never needs the packages built first and never pulls a Node-only entry into the browser.
// Until @pandora/client declares its exports, point at its source directly.
const clientManifest = JSON.parse(readFileSync(here('../../packages/client/package.json'), 'utf8')) as {
  exports?: unknown
}
const alias: Record<string, string> =
  clientManifest.exports === undefined && existsSync(here('../../packages/client/src/index.ts'))
    ? { '@pandora/client': here('../../packages/client/src/index.ts') }
    : {}

/** Where `npm run dev` sends API calls: a running pandorad. */
const target = process.env.PANDORA_URL ?? 'http://127.0.0.1:4003'

export default defineConfig({
  plugins: [preact()],
  // Relative asset URLs: the console also works behind a proxy that mounts pandorad under a path.
  base: './',
  resolve: { conditions: ['@pandora/source', 'browser', 'module', 'import', 'default'], alias },
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022', sourcemap: true },
  server: {
    proxy: {
      '/v1': { target, changeOrigin: true, ws: true },
      '/healthz': { target, changeOrigin: true },
    },
  },
})
